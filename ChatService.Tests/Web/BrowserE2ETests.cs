using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Web;

/// <summary>
/// The web page in real headless Chromium (web/e2e/chat.e2e.mjs, playwright-core) against the real
/// server binary: two users chat, typing, HTML shown as text, DMs, broadcasts, history paging,
/// network drop, server restart, the admin dashboard and its actions, going offline. Screenshots land
/// in TestResults/web.
/// </summary>
[TestClass]
public sealed class BrowserE2ETests
{
    [TestMethod]
    [Timeout(300_000)]
    public async Task WebPage_InChromium_AllScenariosPass()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var artifacts = Path.Combine(RepoPaths.Root, "TestResults", "web");
        Directory.CreateDirectory(artifacts);

        var (exitCode, output) = await PeerProcess.RunAsync("node",
        [
            Path.Combine(RepoPaths.Root, "web", "e2e", "chat.e2e.mjs"),
            $"--server-dir={Path.Combine(RepoPaths.Root, "ChatService")}",
            $"--dll=bin/{configuration}/net10.0/ChatService.dll",
            $"--artifacts={artifacts}",
        ], TimeSpan.FromMinutes(4));

        var scenarios = output.Split('\n').Where(l => l.StartsWith("OK: ", StringComparison.Ordinal) || l.StartsWith("FAIL: ", StringComparison.Ordinal)).ToList();
        Console.WriteLine(string.Join('\n', scenarios));
        Assert.AreEqual(0, exitCode, output);
        Assert.IsTrue(scenarios.Count >= 10, $"expected every scenario to report; got:\n{output}");
        Assert.IsFalse(scenarios.Any(l => l.StartsWith("FAIL", StringComparison.Ordinal)), output);
        Assert.IsTrue(File.Exists(Path.Combine(artifacts, "two-user-chat-alice.png")), "screenshot of the two-user chat");
        Assert.IsTrue(File.Exists(Path.Combine(artifacts, "admin-dashboard.png")), "screenshot of the admin dashboard");
    }
}
