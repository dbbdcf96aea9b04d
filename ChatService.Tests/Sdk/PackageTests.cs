using System.IO.Compression;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Sdk;

/// <summary>`dotnet pack` on what the tests were built from: the packages a .NET app would reference.</summary>
[TestClass]
public sealed class PackageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [TestMethod]
    public async Task Pack_ClientAndContracts_PackagesCarryDocsReadmeAndTheirDependency()
    {
        var output = Path.Combine(Path.GetTempPath(), "chatgrpc-pack", Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var project in new[] { "ChatGrpc.Contracts", "ChatGrpc.Client" })
            {
                var (exitCode, log) = await PeerProcess.RunAsync("dotnet",
                    ["pack", Path.Combine(RepoPaths.Root, project, project + ".csproj"), "-c", RepoPaths.Configuration, "--no-build", "-o", output, "-nologo"], Timeout);
                Assert.AreEqual(0, exitCode, log);
            }

            using var client = ZipFile.OpenRead(Single(output, "ChatGrpc.Client."));
            var entries = client.Entries.Select(e => e.FullName).ToList();
            CollectionAssert.Contains(entries, "README.md");
            CollectionAssert.Contains(entries, "lib/net10.0/ChatGrpc.Client.dll");
            CollectionAssert.Contains(entries, "lib/net10.0/ChatGrpc.Client.xml", "IntelliSense docs for the public surface");
            using var nuspec = new StreamReader(client.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var manifest = await nuspec.ReadToEndAsync();
            var version = Path.GetFileNameWithoutExtension(Single(output, "ChatGrpc.Contracts."))["ChatGrpc.Contracts.".Length..];
            StringAssert.Contains(manifest, $"<dependency id=\"ChatGrpc.Contracts\" version=\"{version}\"", "the client depends on the contract package of its own version");
            StringAssert.Contains(manifest, "<readme>README.md</readme>");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static string Single(string folder, string prefix) =>
        Directory.GetFiles(folder, prefix + "*.nupkg").Single(f => char.IsDigit(Path.GetFileName(f)[prefix.Length]));
}
