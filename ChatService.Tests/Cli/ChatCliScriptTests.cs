using System.Text.Json;
using System.Text.RegularExpressions;
using ChatService.Storage;
using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Cli;

/// <summary>The scriptable subcommands of the real `chat` binary, with exact output and exit codes.</summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ChatCliScriptTests
{
    [TestMethod]
    public async Task Register_NewUser_PrintsWhoAndSavesOwnerOnlyCredentials()
    {
        await using var server = await ChatServerHost.StartAsync();
        var cli = new ChatCliProcess($"127.0.0.1:{server.GrpcPort}");

        var registered = await cli.OkAsync("carol-password\n", "register", "carol", "--password-stdin");
        var whoami = await cli.OkAsync(null, "whoami");

        Assert.AreEqual($"Registered and logged in as carol on http://127.0.0.1:{server.GrpcPort}.", registered);
        Assert.AreEqual($"carol (member) on http://127.0.0.1:{server.GrpcPort}", whoami);
        var file = Path.Combine(cli.ConfigDirectory, "credentials.json");
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [TestMethod]
    public async Task Send_FromArgumentAndStdin_HistoryShowsBothInOrder()
    {
        await using var server = await ChatServerHost.StartAsync();
        var cli = new ChatCliProcess($"127.0.0.1:{server.GrpcPort}");
        await cli.OkAsync("dave-password\n", "register", "dave", "--password-stdin");
        Assert.AreEqual("Created public room general.", await cli.OkAsync(null, "create", "general"));

        Assert.AreEqual("Sent #1 to general.", await cli.OkAsync(null, "send", "general", "hello from an argument"));
        Assert.AreEqual("Sent #2 to general.", await cli.OkAsync("hello from stdin\n", "send", "general"));
        var history = (await cli.OkAsync(null, "history", "general")).Split('\n');

        Assert.AreEqual(2, history.Length);
        Assert.IsTrue(Regex.IsMatch(history[0], @"^#1 \d\d:\d\d dave: hello from an argument$"), history[0]);
        Assert.IsTrue(Regex.IsMatch(history[1], @"^#2 \d\d:\d\d dave: hello from stdin$"), history[1]);
    }

    [TestMethod]
    public async Task History_Json_IsAnArrayOfMessagesWithSeqAndText()
    {
        await using var server = await ChatServerHost.StartAsync();
        var cli = new ChatCliProcess($"127.0.0.1:{server.GrpcPort}");
        await cli.OkAsync("erin-password\n", "register", "erin", "--password-stdin");
        await cli.OkAsync(null, "create", "news");
        await cli.OkAsync(null, "send", "news", "<b>not html</b>");

        using var json = JsonDocument.Parse(await cli.OkAsync(null, "history", "news", "--json"));

        var message = json.RootElement.EnumerateArray().Single();
        Assert.AreEqual("1", message.GetProperty("seq").GetString());
        Assert.AreEqual("<b>not html</b>", message.GetProperty("text").GetString());
        Assert.AreEqual("erin", message.GetProperty("senderName").GetString());
    }

    [TestMethod]
    public async Task EditDeleteAndReply_OwnMessages_HistoryShowsTheNewTextTheGapAndTheQuote()
    {
        await using var server = await ChatServerHost.StartAsync();
        var cli = new ChatCliProcess($"127.0.0.1:{server.GrpcPort}");
        await cli.OkAsync("hana-password\n", "register", "hana", "--password-stdin");
        await cli.OkAsync(null, "create", "ops");
        await cli.OkAsync(null, "send", "ops", "deploy at 5");
        await cli.OkAsync(null, "send", "ops", "wrong window");

        var edited = await cli.OkAsync(null, "edit", "ops", "1", "deploy at 6");
        var fromStdin = await cli.OkAsync("deploy at 7\n", "edit", "ops", "1");
        var deleted = await cli.OkAsync(null, "delete", "ops", "2");
        await cli.OkAsync(null, "send", "ops", "--reply-to", "1", "confirmed");
        var history = await cli.OkAsync(null, "history", "ops");

        StringAssert.Contains(edited, "Edited #1 in ops.");
        StringAssert.Contains(fromStdin, "Edited #1 in ops.");
        StringAssert.Contains(deleted, "Deleted #2 in ops.");
        StringAssert.Contains(history, "hana: deploy at 7 (edited)");
        StringAssert.Contains(history, "#2 ");
        StringAssert.Contains(history, "(deleted)");
        Assert.DoesNotContain("wrong window", history);
        StringAssert.Contains(history, "  ╭ #1 hana: deploy at 7" + Environment.NewLine + "#3 ", "the reply quotes #1 as it is now");
    }

    [TestMethod]
    public async Task Search_WordsAndPrefix_PrintsOnlyTheMatchingMessages()
    {
        await using var server = await ChatServerHost.StartAsync();
        var cli = new ChatCliProcess($"127.0.0.1:{server.GrpcPort}");
        await cli.OkAsync("gina-password\n", "register", "gina", "--password-stdin");
        await cli.OkAsync(null, "create", "ops");
        await cli.OkAsync(null, "send", "ops", "backup finished at noon");
        await cli.OkAsync(null, "send", "ops", "backups are slow today");
        await cli.OkAsync(null, "send", "ops", "lunch");

        // Indexing trails the ack by a moment: ask again until it has caught up.
        var found = "[]";
        for (var attempt = 0; attempt < 20 && found == "[]"; attempt++)
        {
            await Task.Delay(SqliteSearchIndexer.Interval);
            found = (await cli.OkAsync(null, "search", "backup*", "--room", "ops", "--json")).Trim();
        }

        using var json = JsonDocument.Parse(found);
        var lines = await cli.OkAsync(null, "search", "backup", "noon");

        CollectionAssert.AreEquivalent(new[] { "backup finished at noon", "backups are slow today" }, json.RootElement.EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToArray());
        StringAssert.Contains(lines, "[ops]");
        StringAssert.Contains(lines, "backup finished at noon");
        Assert.DoesNotContain("slow", lines);
    }

    [TestMethod]
    public async Task Tail_Json_PrintsAMessageSentByAnotherUser()
    {
        await using var server = await ChatServerHost.StartAsync();
        var watcher = new ChatCliProcess($"127.0.0.1:{server.GrpcPort}");
        var writer = new ChatCliProcess($"127.0.0.1:{server.GrpcPort}");
        await watcher.OkAsync("frank-password\n", "register", "frank", "--password-stdin");
        await writer.OkAsync("grace-password\n", "register", "grace", "--password-stdin");
        await writer.OkAsync(null, "create", "lobby");

        await using var tail = PeerProcess.Start("dotnet", [ChatCliProcess.Dll, "tail", "lobby", "--json"], environment: new()
        {
            ["CHAT_CONFIG_DIR"] = watcher.ConfigDirectory,
            ["CHAT_SERVER"] = watcher.Server,
        });
        var observer = await server.RegisterAsync();
        // The tail has joined once it shows up as a member of the room.
        await WaitUntilAsync(async () => (await server.Chat.GetMembersAsync(new ChatGrpc.Contracts.V1.GetMembersRequest { Room = "lobby" }, observer.Options()).ResponseAsync).Members.Count == 2);
        await writer.OkAsync(null, "send", "lobby", "is anyone tailing?");

        await WaitUntilAsync(() => Task.FromResult(tail.Output.Contains("is anyone tailing?")));
        var line = tail.Output.Split('\n').First(l => l.Contains("is anyone tailing?"));
        using var json = JsonDocument.Parse(line);
        Assert.AreEqual("grace", json.RootElement.GetProperty("senderName").GetString());
    }

    [TestMethod]
    public async Task ExitCodes_UsageAuthUnavailableRefused_AreDistinct()
    {
        var server = await ChatServerHost.StartAsync();
        var cli = new ChatCliProcess($"127.0.0.1:{server.GrpcPort}");
        await cli.OkAsync("henry-password\n", "register", "henry", "--password-stdin");

        var usage = await cli.RunAsync(null, "send");
        var wrongPassword = await cli.RunAsync("not-his-password\n", "login", "henry", "--password-stdin");
        var refused = await cli.RunAsync(null, "admin", "stats");
        await server.DisposeAsync();
        var unavailable = await cli.RunAsync(null, "rooms");

        Assert.AreEqual(1, usage.ExitCode);
        Assert.AreEqual(2, wrongPassword.ExitCode);
        StringAssert.StartsWith(wrongPassword.Stderr, "chat: Wrong user name or password.");
        Assert.AreEqual(4, refused.ExitCode);
        StringAssert.Contains(refused.Stderr, "admin role");
        Assert.AreEqual(3, unavailable.ExitCode);
        StringAssert.StartsWith(unavailable.Stderr, "chat: cannot reach the chat server");
        foreach (var run in new[] { wrongPassword, refused, unavailable })
        {
            Assert.AreEqual(1, run.Stderr.Split('\n').Length, "one line, never a stack trace: " + run.Stderr);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.IsTrue(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(100);
        }
    }
}
