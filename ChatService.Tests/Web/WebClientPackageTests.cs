using System.Text.Json;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Web;

/// <summary>`npm pack` of the browser client library (web/client), and the packed library loading as native ES modules.</summary>
[TestClass]
public sealed class WebClientPackageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static string Web => Path.Combine(RepoPaths.Root, "web");

    [TestMethod]
    public async Task NpmPack_ClientLibrary_PacksCompiledModulesThatLoadWithTheirTypes()
    {
        var scratch = Path.Combine(Web, "client", ".pack-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(scratch);
        try
        {
            var (exitCode, output) = await PeerProcess.RunAsync("npm", ["pack", "./client", "--pack-destination", scratch], Timeout, Web);
            Assert.AreEqual(0, exitCode, output);
            var tarball = Directory.GetFiles(scratch, "*.tgz").Single();
            var (listExit, listing) = await PeerProcess.RunAsync("tar", ["-tzf", tarball], Timeout);
            Assert.AreEqual(0, listExit, listing);
            var files = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(f => f.StartsWith("package/", StringComparison.Ordinal) ? f["package/".Length..] : f).ToList();
            foreach (var expected in new[] { "package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/session.js", "dist/gen/chat/v1/chat_pb.js" })
            {
                CollectionAssert.Contains(files, expected);
            }

            Assert.IsFalse(files.Any(f => f.StartsWith("src/", StringComparison.Ordinal)), "sources stay out of the package: " + string.Join(", ", files));

            // Unpacked under web/, its dependencies resolve from web/node_modules as an app's would from its own.
            var (tarExit, tarOutput) = await PeerProcess.RunAsync("tar", ["-xzf", tarball, "-C", scratch], Timeout);
            Assert.AreEqual(0, tarExit, tarOutput);
            var entry = Path.Combine(scratch, "package", "dist", "index.js");
            var script = $"const m = await import({JsonSerializer.Serialize(new Uri(entry).AbsoluteUri)});" +
                "console.log([typeof m.ChatSession, typeof m.Outbox, typeof m.ChatStore, typeof m.createApi, m.ChatMessageSchema?.typeName].join(' '));";
            var (nodeExit, loaded) = await PeerProcess.RunAsync("node", ["--input-type=module", "-e", script], Timeout);
            Assert.AreEqual(0, nodeExit, loaded);
            StringAssert.Contains(loaded, "function function function function chat.v1.ChatMessage");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
