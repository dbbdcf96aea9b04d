using ChatGrpc.Client;
using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using ChatService.Tests.Cluster;
using ChatService.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace ChatService.Tests.Sdk;

/// <summary>
/// ChatGrpc.Client against a real server: restarts, network cuts, token expiry and app restarts, each
/// checked against what a client that never dropped would have seen.
/// </summary>
[TestClass]
public sealed class ChatClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [TestMethod]
    public async Task SendAsync_ServerRestartsWhileSending_EveryMessageAckedStoredAndSeenOnce()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Chat:SendRate:PerSecond"] = "20", ["Chat:SendRate:Burst"] = "10" });
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        using var channel = ChatChannel.Create($"http://127.0.0.1:{server.GrpcPort}");
        await using var client = Client(channel, alice);
        await using var events = new ClientEvents(client);
        await client.StartAsync().WaitAsync(Timeout);
        await client.JoinAsync(room).WaitAsync(Timeout);

        // Three times the send burst: some sends are refused with retry_after and must be retried, not lost.
        var sends = Enumerable.Range(1, 30).Select(i => client.SendAsync(room, $"message {i}")).ToList();
        await sends[5].WaitAsync(Timeout);
        await server.RestartAsync(samePorts: true);
        var acks = await Task.WhenAll(sends).WaitAsync(Timeout);
        await events.WaitForMessagesAsync(room, 30, Timeout);

        var history = await History(server, alice, room);
        CollectionAssert.AreEqual(Enumerable.Range(1, 30).Select(i => $"message {i}").OrderBy(t => t).ToList(), history.Select(m => m.Text).OrderBy(t => t).ToList(), "each message stored once");
        CollectionAssert.AreEquivalent(history.Select(m => m.Seq).ToList(), acks.Select(a => a.Seq).ToList(), "every ack names a stored message");
        CollectionAssert.AreEqual(history.Select(m => m.Seq).ToList(), events.Messages(room).Select(m => m.Seq).ToList(), "the app saw each stored message once, in order");
        Assert.IsTrue(events.Connection.Any(c => c is { State: ConnectionState.Connected, Resumed: true }), "the client reconnected");
        Assert.IsTrue(events.All.OfType<FrameReceived>().Any(f => f.Frame.Error?.Code == (int)StatusCode.ResourceExhausted), "some sends were refused by the send rate and sent again");
        Assert.AreEqual(0, client.PendingSends);
    }

    [TestMethod]
    public async Task ReadEventsAsync_NetworkCutWhileOthersSend_ResumesWithoutGapOrDuplicate()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var proxy = LatencyProxy.Start(server.GrpcPort, TimeSpan.Zero);
        using var channel = ChatChannel.Create($"http://127.0.0.1:{proxy.Port}");
        await using var client = Client(channel, alice);
        await using var events = new ClientEvents(client);
        await client.StartAsync().WaitAsync(Timeout);
        await client.JoinAsync(room).WaitAsync(Timeout);
        await using var bobStream = await server.ConnectAndJoinAsync(bob, room);

        for (var round = 0; round < 3; round++)
        {
            for (var i = 1; i <= 5; i++)
            {
                await bobStream.SendAsync(room, $"bob {round}.{i}");
            }

            Assert.IsGreaterThan(0, proxy.CutConnections(), "the client's connection went through the proxy");
            var mine = client.SendAsync(room, $"alice {round}");
            for (var i = 6; i <= 8; i++)
            {
                await bobStream.SendAsync(room, $"bob {round}.{i}");
            }

            await mine.WaitAsync(Timeout);
        }

        await events.WaitForMessagesAsync(room, 27, Timeout);
        var history = await History(server, alice, room);
        Assert.HasCount(27, history);
        CollectionAssert.AreEqual(history.Select(m => (m.Seq, m.Text)).ToList(), events.Messages(room).Select(m => (m.Seq, m.Text)).ToList(), "no gap, no duplicate, in order");
        Assert.IsGreaterThanOrEqualTo(3, events.Connection.Count(c => c is { State: ConnectionState.Connected, Resumed: true }), "one resume per cut");
    }

    [TestMethod]
    public async Task Stream_TokenAboutToExpire_RefreshedInBandWithoutReconnecting()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        using var channel = ChatChannel.Create($"http://127.0.0.1:{server.GrpcPort}");
        await using var client = Client(channel, alice, clock);
        await using var events = new ClientEvents(client);
        await client.StartAsync().WaitAsync(Timeout);
        await client.JoinAsync(room).WaitAsync(Timeout);

        // 15 minute tokens, handed over 30 s before they run out.
        clock.Advance(TimeSpan.FromMinutes(14.7));
        await events.WaitForAsync(all => all.OfType<FrameReceived>().Any(f => f.Frame.TokenRefreshed is not null), Timeout, "the in-band refresh");
        clock.Advance(TimeSpan.FromMinutes(10));
        var ack = await client.SendAsync(room, "past the first token's expiry").WaitAsync(Timeout);

        Assert.AreEqual(1UL, ack.Seq);
        Assert.AreEqual(ConnectionState.Connected, client.State);
        Assert.HasCount(2, events.Connection, "Connecting, Connected and nothing since: " + string.Join(", ", events.Connection));
    }

    [TestMethod]
    public async Task StartAsync_AppRestartedWithFileCursors_ReceivesOnlyWhatItMissed()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        var cursors = Path.Combine(server.DataDirectory, "client", "cursors.json");
        using var channel = ChatChannel.Create($"http://127.0.0.1:{server.GrpcPort}");
        await using var bobStream = await server.ConnectAndJoinAsync(bob, room);
        await using (var first = Client(channel, alice, cursors: new FileCursorStore(cursors)))
        {
            await using var seen = new ClientEvents(first);
            await first.StartAsync().WaitAsync(Timeout);
            await first.JoinAsync(room).WaitAsync(Timeout);
            for (var i = 1; i <= 4; i++)
            {
                await bobStream.SendAsync(room, $"before {i}");
            }

            await seen.WaitForMessagesAsync(room, 4, Timeout);
        }

        for (var i = 5; i <= 7; i++)
        {
            await bobStream.SendAsync(room, $"while away {i}");
        }

        await using var second = Client(channel, alice, cursors: new FileCursorStore(cursors));
        await using var events = new ClientEvents(second);
        await second.StartAsync().WaitAsync(Timeout);
        await events.WaitForMessagesAsync(room, 3, Timeout);
        await bobStream.SendAsync(room, "live 8");
        await events.WaitForMessagesAsync(room, 4, Timeout);

        var joined = events.All.OfType<FrameReceived>().Select(f => f.Frame.Joined).Single(j => j is not null);
        Assert.AreEqual(ResumeResult.Complete, joined!.Resume, "rejoined from the saved cursor");
        CollectionAssert.AreEqual(new[] { "while away 5", "while away 6", "while away 7", "live 8" }, events.Messages(room).Select(m => m.Text).ToArray());
        Assert.AreEqual(8UL, second.LastSeq(room));
    }

    [TestMethod]
    public async Task Reconnect_ToAServerWithAnotherStore_StartsTheRoomAgainFromThatStore()
    {
        // The client's one address leads first to a server with two messages, then to one whose store
        // was made afresh (another epoch) holding the same user and room with four: resuming after
        // seq 2 there would skip its first two and mix two histories.
        await using var old = await ChatServerHost.StartAsync();
        await using var replaced = await ChatServerHost.StartAsync();
        var alice = await old.RegisterAsync("alice" + Guid.NewGuid().ToString("N")[..6]);
        var bob = await old.RegisterAsync();
        var room = await old.CreateRoomAsync(alice);
        var aliceAgain = await replaced.RegisterAsync(alice.Name);
        var bobAgain = await replaced.RegisterAsync(bob.Name);
        await replaced.Chat.CreateRoomAsync(new CreateRoomRequest { Id = room, Title = "again", Kind = RoomKind.Public }, aliceAgain.Options()).ResponseAsync.WaitAsync(Timeout);
        await using var balancer = LatencyProxy.Start(old.GrpcPort, TimeSpan.Zero);
        using var channel = ChatChannel.Create($"http://127.0.0.1:{balancer.Port}");
        await using var client = Client(channel, alice);
        await using var events = new ClientEvents(client);
        await client.StartAsync().WaitAsync(Timeout);
        await client.JoinAsync(room).WaitAsync(Timeout);
        await using (var bobOnOld = await old.ConnectAndJoinAsync(bob, room))
        {
            await bobOnOld.SendAsync(room, "old 1");
            await bobOnOld.SendAsync(room, "old 2");
        }

        await events.WaitForMessagesAsync(room, 2, Timeout);
        await using var bobOnNew = await replaced.ConnectAndJoinAsync(bobAgain, room);
        for (var i = 1; i <= 4; i++)
        {
            await bobOnNew.SendAsync(room, $"new {i}");
        }

        balancer.Retarget(replaced.GrpcPort);
        balancer.CutConnections();
        var rejoined = await WaitForJoinedAsync(events, joined => joined.LastSeq == 4);
        await bobOnNew.SendAsync(room, "new 5");
        await events.WaitForMessagesAsync(room, 3, Timeout);

        Assert.AreNotEqual(ResumeResult.Complete, rejoined.Resume, "seqs from another store are not resumed from");
        CollectionAssert.AreEqual(new[] { "new 1", "new 2", "new 3", "new 4" }, rejoined.History.Select(m => m.Text).ToArray(), "the room starts again from the new store");
        CollectionAssert.AreEqual(new[] { "old 1", "old 2", "new 5" }, events.Messages(room).Select(m => m.Text).ToArray());
        Assert.AreEqual(5UL, client.LastSeq(room));
    }

    [TestMethod]
    public async Task SendAsync_BotThatNeverReadsEvents_KeepsGettingAcksPastTheEventCapacity()
    {
        await using var server = await ChatServerHost.StartAsync();
        var bot = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(bot);
        using var channel = ChatChannel.Create($"http://127.0.0.1:{server.GrpcPort}");
        var options = FastReconnects();
        options.EventCapacity = 4;
        options.DeliverEvents = false;
        await using var client = new ChatClient(channel, new PasswordLogin(channel, bot.Name, "password-" + bot.Name), options);
        await client.StartAsync().WaitAsync(Timeout);
        await client.JoinAsync(room).WaitAsync(Timeout);

        // Each send brings its ack and its own message back: far more frames than the capacity, none read.
        for (var i = 1; i <= 30; i++)
        {
            var ack = await client.SendAsync(room, $"report {i}").WaitAsync(Timeout);
            Assert.AreEqual((ulong)i, ack.Seq);
        }

        Assert.AreEqual(30UL, client.LastSeq(room), "cursors follow the stream without a reader");
        Assert.AreEqual(ConnectionState.Connected, client.State);
    }

    [TestMethod]
    public async Task StartAsync_WrongPassword_FailsAndFailsWaitingSends()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        using var channel = ChatChannel.Create($"http://127.0.0.1:{server.GrpcPort}");
        await using var client = new ChatClient(channel, new PasswordLogin(channel, alice.Name, "not-the-password"), FastReconnects());
        await using var events = new ClientEvents(client);
        var send = client.SendAsync("anywhere", "never sent");

        await client.StartAsync().WaitAsync(Timeout);
        await events.WaitForAsync(all => all.OfType<ConnectionChanged>().Any(c => c.State == ConnectionState.Failed), Timeout, "the client to give up");

        var refused = await Assert.ThrowsExactlyAsync<ChatClientException>(() => send.WaitAsync(Timeout));
        Assert.AreEqual(StatusCode.Unauthenticated, refused.Code);
        Assert.IsFalse(string.IsNullOrEmpty(events.Connection.Last().Reason), "the failure says why");
    }

    [TestMethod]
    public async Task JoinAsync_RoomThatDoesNotExist_FailsWithNotFoundAndIsNotRejoined()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        using var channel = ChatChannel.Create($"http://127.0.0.1:{server.GrpcPort}");
        await using var client = Client(channel, alice);
        await client.StartAsync().WaitAsync(Timeout);

        var refused = await Assert.ThrowsExactlyAsync<ChatClientException>(() => client.JoinAsync("no-such-room").WaitAsync(Timeout));

        Assert.AreEqual(StatusCode.NotFound, refused.Code);
        Assert.IsEmpty(client.Rooms);
    }

    [TestMethod]
    public async Task Stream_SignInEndedElsewhere_SignsInAgainAndResumesWithoutGap()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        using var channel = ChatChannel.Create($"http://127.0.0.1:{server.GrpcPort}");
        var login = new PasswordLogin(channel, alice.Name, "password-" + alice.Name);
        await using var client = new ChatClient(channel, login, FastReconnects());
        await using var events = new ClientEvents(client);
        await client.StartAsync().WaitAsync(Timeout);
        await client.JoinAsync(room).WaitAsync(Timeout);
        await using var bobStream = await server.ConnectAndJoinAsync(bob, room);
        await bobStream.SendAsync(room, "before");
        await events.WaitForMessagesAsync(room, 1, Timeout);
        var firstSignIn = login.RefreshToken;

        // Its refresh tokens stop working and its stream ends UNAUTHENTICATED: a new sign-in is the only way back.
        await server.Auth.LogoutAsync(new LogoutRequest { RefreshToken = firstSignIn }, ChatServerHost.Options()).ResponseAsync.WaitAsync(Timeout);
        await bobStream.SendAsync(room, "after");
        await events.WaitForMessagesAsync(room, 2, Timeout);

        CollectionAssert.AreEqual(new[] { "before", "after" }, events.Messages(room).Select(m => m.Text).ToArray());
        Assert.AreNotEqual(firstSignIn, login.RefreshToken, "signed in again");
        Assert.IsTrue(events.Connection.Any(c => c is { State: ConnectionState.Connected, Resumed: true }), "resumed on the new sign-in");
        Assert.AreEqual(ConnectionState.Connected, client.State);
    }

    [TestMethod]
    public async Task ReadEventsAsync_ClusterNodeGoesAway_ResumesOnAnotherNodeWithoutGapAndSendsOnce()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var alice = await cluster[0].RegisterAsync();
        var bob = await cluster[0].RegisterAsync();
        var room = await cluster[0].CreateRoomAsync(alice);
        // The client's one address is a balancer in front of node 1, pointed at node 0 once node 1 leaves.
        await using var balancer = LatencyProxy.Start(cluster[1].GrpcPort, TimeSpan.Zero);
        using var channel = ChatChannel.Create($"http://127.0.0.1:{balancer.Port}");
        await using var client = Client(channel, alice);
        await using var events = new ClientEvents(client);
        await client.StartAsync().WaitAsync(Timeout);
        await client.JoinAsync(room).WaitAsync(Timeout);
        await using var bobOnFirst = await cluster[0].ConnectAndJoinAsync(bob, room);
        for (var i = 1; i <= 3; i++)
        {
            await bobOnFirst.SendAsync(room, $"bob {i}");
        }

        await events.WaitForMessagesAsync(room, 3, Timeout);
        balancer.Retarget(cluster[0].GrpcPort);
        var stopping = cluster[1].StopServerAsync();
        var mine = client.SendAsync(room, "alice while her node left");
        for (var i = 4; i <= 6; i++)
        {
            await bobOnFirst.SendAsync(room, $"bob {i}");
        }

        await stopping.WaitAsync(Timeout);
        var ack = await mine.WaitAsync(Timeout);
        await events.WaitForMessagesAsync(room, 7, Timeout);

        var history = await History(cluster[0], alice, room);
        Assert.HasCount(7, history);
        CollectionAssert.AreEqual(history.Select(m => (m.Seq, m.Text)).ToList(), events.Messages(room).Select(m => (m.Seq, m.Text)).ToList(), "no gap, no duplicate, in order");
        Assert.AreEqual(ack.Seq, history.Single(m => m.Text == "alice while her node left").Seq);
        Assert.IsTrue(events.All.OfType<FrameReceived>().Any(f => f.Frame.Draining is not null), "the leaving node said so");
        Assert.IsEmpty(cluster[1].Logs.Errors, "a node that leaves gracefully logs no errors: " + string.Join("; ", cluster[1].Logs.Errors));
    }

    internal static ChatClient Client(GrpcChannel channel, TestUser user, TimeProvider? time = null, ICursorStore? cursors = null)
    {
        var options = FastReconnects();
        options.TimeProvider = time ?? TimeProvider.System;
        options.CursorStore = cursors;
        return new ChatClient(channel, new PasswordLogin(channel, user.Name, "password-" + user.Name, time), options);
    }

    private static async Task<Joined> WaitForJoinedAsync(ClientEvents events, Func<Joined, bool> match)
    {
        await events.WaitForAsync(all => all.OfType<FrameReceived>().Any(f => f.Frame.Joined is { } j && match(j)), Timeout, "the room joined again");
        return events.All.OfType<FrameReceived>().Select(f => f.Frame.Joined).Last(j => j is not null && match(j))!;
    }

    private static ChatClientOptions FastReconnects() => new() { ReconnectDelay = TimeSpan.FromMilliseconds(50), MaxReconnectDelay = TimeSpan.FromMilliseconds(500) };

    internal static async Task<IReadOnlyList<ChatMessage>> History(ChatServerHost server, TestUser user, string room)
    {
        var response = await server.Chat.HistoryAsync(new HistoryRequest { Room = room, Limit = 100 }, user.Options()).ResponseAsync.WaitAsync(Timeout);
        return response.Messages;
    }
}
