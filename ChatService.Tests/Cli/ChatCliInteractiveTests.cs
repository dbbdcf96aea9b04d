using ChatService.Tests.Chat;

namespace ChatService.Tests.Cli;

/// <summary>The interactive chat of the real `chat` binary, driven through tmux like a person at an 80x24 terminal.</summary>
[TestClass]
public sealed class ChatCliInteractiveTests
{
    [TestMethod]
    public async Task TwoClients_ChatAndTyping_OtherScreenShowsBoth()
    {
        await using var server = await ChatServerHost.StartAsync();
        var (alice, bob) = await TwoUsersInRoomAsync(server, "lounge");
        await using var a = await OpenAsync(alice);
        await using var b = await OpenAsync(bob);
        await a.WaitForScreenAsync(s => s.Contains("connected | #lounge"), "alice connected");
        await b.WaitForScreenAsync(s => s.Contains("connected | #lounge"), "bob connected");

        await b.SendKeysAsync("hi alice");
        await a.WaitForScreenAsync(s => s.Contains("bob is typing"), "bob's typing indicator");
        await b.PressAsync("Enter");
        var screen = await a.WaitForScreenAsync(s => s.Contains("bob: hi alice") && !s.Contains("bob is typing"), "bob's message with the indicator cleared");

        Assert.AreEqual(1, Occurrences(screen, "bob: hi alice"));
        StringAssert.Contains(screen, "online: alice, bob");
    }

    [TestMethod]
    public async Task UpArrowReplyMentionSearch_InTheTerminal_OtherScreenShowsEachAsItHappens()
    {
        await using var server = await ChatServerHost.StartAsync();
        var (alice, bob) = await TwoUsersInRoomAsync(server, "plans");
        await using var a = await OpenAsync(alice);
        await using var b = await OpenAsync(bob);
        await a.WaitForScreenAsync(s => s.Contains("connected | #plans"), "alice connected");
        await b.WaitForScreenAsync(s => s.Contains("connected | #plans"), "bob connected");
        await a.SendKeysAsync("teh plan is set");
        await a.PressAsync("Enter");
        await b.WaitForScreenAsync(s => s.Contains("alice: teh plan is set"), "the typo");

        await a.PressAsync("Up");
        await a.WaitForScreenAsync(s => s.Contains("#plans edit #1> teh plan is set"), "the last message in the input, in edit mode");
        await a.PressAsync("Home");
        for (var i = 0; i < 3; i++)
        {
            await a.PressAsync("DC");
        }

        await a.SendKeysAsync("the");
        await a.PressAsync("Enter");
        var screen = await b.WaitForScreenAsync(s => s.Contains("(edited) alice: the plan is set"), "the edit on bob's screen");
        var history = await bob.OkAsync(null, "history", "plans");

        await b.SendKeysAsync("/reply sounds good");
        await b.PressAsync("Enter");
        var quoted = await a.WaitForScreenAsync(s => s.Contains("bob: sounds good"), "bob's reply");
        await b.SendKeysAsync("@al");
        await b.PressAsync("Tab");
        await b.WaitForScreenAsync(s => s.Contains("#plans> @alice"), "Tab completes the mention");
        await b.SendKeysAsync("see above");
        await b.PressAsync("Enter");
        await a.WaitForScreenAsync(s => s.Contains("bob: @alice see above"), "the mention");
        await b.SendKeysAsync("/read");
        await b.PressAsync("Enter");
        string seen = "";
        for (var attempt = 0; attempt < 20 && !seen.Contains("seen by bob"); attempt++)
        {
            await Task.Delay(100);
            await a.SendKeysAsync("/seen");
            await a.PressAsync("Enter");
            seen = await a.ScreenAsync();
        }

        string found = "";
        for (var attempt = 0; attempt < 20 && !found.Contains("best matches"); attempt++)
        {
            // Indexing trails the ack by a moment; ask again until it has caught up.
            await Task.Delay(ChatService.Storage.SqliteSearchIndexer.Interval);
            await a.SendKeysAsync("/search plan*");
            await a.PressAsync("Enter");
            found = await a.ScreenAsync();
        }

        StringAssert.Contains(screen, "alice: teh plan is set", "the original line stays where it was");
        StringAssert.Contains(quoted, "╭ #1 alice: the plan is set", "the reply quotes the message it answers, as edited");
        StringAssert.Contains(found, "[plans] #1 alice: the plan is set", "/search finds the message by its edited words");
        StringAssert.Contains(seen, "#1 seen by bob", "bob's /read reached alice as a read receipt");
        StringAssert.Contains(history, "alice: the plan is set (edited)");
        Assert.AreEqual(1, Occurrences(history, "plan is set"), "edited in place, not sent again:\n" + history);
    }

    [TestMethod]
    public async Task ServerRestart_MidSession_ClientResumesWithoutLosingOrDoublingMessages()
    {
        await using var server = await ChatServerHost.StartAsync();
        var (alice, bob) = await TwoUsersInRoomAsync(server, "ops");
        await using var a = await OpenAsync(alice);
        await a.WaitForScreenAsync(s => s.Contains("connected | #ops"), "alice connected");
        await bob.OkAsync(null, "send", "ops", "before the restart");
        await a.WaitForScreenAsync(s => s.Contains("bob: before the restart"), "the first message");

        await server.StopServerAsync();
        await a.WaitForScreenAsync(s => s.Contains("reconnecting in"), "the reconnect countdown");
        await a.SendKeysAsync("typed while offline");
        await a.PressAsync("Enter");
        await a.WaitForScreenAsync(s => s.Contains("1 unsent"), "the queued message");
        await server.StartServerAsync(samePorts: true);
        await bob.OkAsync(null, "send", "ops", "after the restart");

        var screen = await a.WaitForScreenAsync(
            s => s.Contains("bob: after the restart") && s.Contains("alice: typed while offline") && !s.Contains("unsent"),
            "both messages after the resume", TimeSpan.FromSeconds(40));
        Assert.AreEqual(1, Occurrences(screen, "bob: before the restart"));
        Assert.AreEqual(1, Occurrences(screen, "alice: typed while offline"));
        Assert.AreEqual(1, Occurrences(screen, "bob: after the restart"));
        var history = await bob.OkAsync(null, "history", "ops");
        Assert.AreEqual(1, Occurrences(history, "typed while offline"), "stored exactly once:\n" + history);
    }

    private static async Task<(ChatCliProcess Alice, ChatCliProcess Bob)> TwoUsersInRoomAsync(ChatServerHost server, string room)
    {
        var address = $"127.0.0.1:{server.GrpcPort}";
        var alice = new ChatCliProcess(address);
        var bob = new ChatCliProcess(address);
        await alice.OkAsync("alice-password\n", "register", "alice", "--password-stdin");
        await bob.OkAsync("bob-password\n", "register", "bob", "--password-stdin");
        await alice.OkAsync(null, "create", room);
        await bob.OkAsync(null, "join", room);
        return (alice, bob);
    }

    private static Task<TmuxSession> OpenAsync(ChatCliProcess user) =>
        TmuxSession.StartAsync($"dotnet {ChatCliProcess.Dll}", new Dictionary<string, string>
        {
            ["CHAT_CONFIG_DIR"] = user.ConfigDirectory,
            ["CHAT_SERVER"] = user.Server,
            ["NO_COLOR"] = "1",
        });

    private static int Occurrences(string text, string value) => text.Split(value).Length - 1;
}
