using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using ChatService.Tests.Cluster;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Sdk;

/// <summary>
/// @chatgrpc/client, the browser library, in Node against real servers: the same damage as
/// <see cref="ChatClientTests"/> (a network cut, a restart, a token running out, a node leaving),
/// and the same check: the app's view equals the store's, with every send stored once.
/// </summary>
[TestClass]
public sealed class WebClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [TestMethod]
    public async Task Session_NetworkCutWhileOthersSend_ResumesWithoutGapAndSendsOnce()
    {
        await using var server = await ChatServerHost.StartAsync();
        var (alice, bob, room) = await AliceBobAndRoomAsync(server);
        await using var proxy = LatencyProxy.Start(server.WebPort, TimeSpan.Zero);
        await using var web = await WebClientDriver.StartAsync();
        await web.LoginAsync($"http://127.0.0.1:{proxy.Port}", alice);
        await web.JoinAsync(room);
        await using var bobStream = await server.ConnectAndJoinAsync(bob, room);

        for (var round = 0; round < 2; round++)
        {
            for (var i = 1; i <= 4; i++)
            {
                await bobStream.SendAsync(room, $"bob {round}.{i}");
            }

            Assert.IsGreaterThan(0, proxy.CutConnections(), "the page's stream went through the proxy");
            await web.SendAsync(room, $"alice {round}");
            for (var i = 5; i <= 6; i++)
            {
                await bobStream.SendAsync(room, $"bob {round}.{i}");
            }

            await web.WaitForMessagesAsync(room, (round + 1) * 7);
        }

        await AssertSameAsHistoryAsync(server, alice, room, await web.WaitForMessagesAsync(room, 14), 14);
        CollectionAssert.Contains((await web.StatesAsync()).ToList(), "reconnecting");
    }

    [TestMethod]
    public async Task Session_ServerRestarts_ResumesAndSendsWrittenMeanwhileOnce()
    {
        await using var server = await ChatServerHost.StartAsync();
        var (alice, bob, room) = await AliceBobAndRoomAsync(server);
        await using var web = await WebClientDriver.StartAsync();
        await web.LoginAsync($"http://127.0.0.1:{server.WebPort}", alice);
        await web.JoinAsync(room);
        await SendAsBobAsync(server, bob, room, "before the restart");
        await web.WaitForMessagesAsync(room, 1);

        await server.StopServerAsync();
        await web.SendAsync(room, "alice while the server was down");
        await server.StartServerAsync(samePorts: true);
        await SendAsBobAsync(server, bob, room, "after the restart");

        await AssertSameAsHistoryAsync(server, alice, room, await web.WaitForMessagesAsync(room, 3), 3);
    }

    [TestMethod]
    public async Task Session_TokenRunsOutMidStream_RenewedOnTheSessionWithoutReconnecting()
    {
        // Eight-second tokens: the session hands over a fresh one after five, well before each expires.
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Auth:AccessTokenLifetime"] = "00:00:08" });
        var (alice, bob, room) = await AliceBobAndRoomAsync(server);
        await using var web = await WebClientDriver.StartAsync();
        await web.LoginAsync($"http://127.0.0.1:{server.WebPort}", alice);
        await web.JoinAsync(room);

        await Task.Delay(TimeSpan.FromSeconds(11));
        await SendAsBobAsync(server, await SignInAgainAsync(server, bob), room, "after the first token ran out");

        await AssertSameAsHistoryAsync(server, await SignInAgainAsync(server, alice), room, await web.WaitForMessagesAsync(room, 1), 1);
        var states = await web.StatesAsync();
        CollectionAssert.DoesNotContain(states.ToList(), "reconnecting", "the stream outlived its first token: " + string.Join(", ", states));
    }

    [TestMethod]
    public async Task Session_ClusterNodeLeaves_ResumesOnTheOtherNodeWithoutGapAndSendsOnce()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (alice, bob, room) = await AliceBobAndRoomAsync(cluster[0]);
        await using var balancer = LatencyProxy.Start(cluster[1].WebPort, TimeSpan.Zero);
        await using var web = await WebClientDriver.StartAsync();
        await web.LoginAsync($"http://127.0.0.1:{balancer.Port}", alice);
        await web.JoinAsync(room);
        await using var bobOnFirst = await cluster[0].ConnectAndJoinAsync(bob, room);
        await bobOnFirst.SendAsync(room, "bob 1");
        await web.WaitForMessagesAsync(room, 1);

        balancer.Retarget(cluster[0].WebPort);
        var leaving = cluster[1].StopServerAsync();
        await web.SendAsync(room, "alice while her node left");
        await bobOnFirst.SendAsync(room, "bob 2");
        await leaving.WaitAsync(Timeout);
        await bobOnFirst.SendAsync(room, "bob 3");

        await AssertSameAsHistoryAsync(cluster[0], alice, room, await web.WaitForMessagesAsync(room, 4), 4);
    }

    private static async Task<(TestUser Alice, TestUser Bob, string Room)> AliceBobAndRoomAsync(ChatServerHost server)
    {
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        return (alice, bob, await server.CreateRoomAsync(alice));
    }

    /// <summary>The test's own calls need a token that has not run out either.</summary>
    private static async Task<TestUser> SignInAgainAsync(ChatServerHost server, TestUser user)
    {
        var login = await server.Auth.LoginAsync(new LoginRequest { UserName = user.Name, Password = "password-" + user.Name }, ChatServerHost.Options()).ResponseAsync.WaitAsync(Timeout);
        return new TestUser(login.User, login.Tokens);
    }

    private static Task SendAsBobAsync(ChatServerHost server, TestUser bob, string room, string text) =>
        server.Chat.SendAsync(new SendRequest { Room = room, ClientMsgId = Guid.NewGuid().ToString("N"), Text = text }, bob.Options()).ResponseAsync.WaitAsync(Timeout);

    private static async Task AssertSameAsHistoryAsync(ChatServerHost server, TestUser reader, string room, IReadOnlyList<(ulong Seq, string Text)> seen, int expected)
    {
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room, Limit = 100 }, reader.Options()).ResponseAsync.WaitAsync(Timeout);
        Assert.HasCount(expected, history.Messages, "each message stored once");
        CollectionAssert.AreEqual(history.Messages.Select(m => (m.Seq, m.Text)).ToList(), seen.ToList(), "the page's view is the store's: no gap, no duplicate, in order");
    }
}
