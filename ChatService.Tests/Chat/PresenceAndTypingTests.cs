using ChatGrpc.Contracts.V1;
using Grpc.Core;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Chat;

/// <summary>Presence aggregation with grace, typing expiry and token expiry, on a clock the test moves.</summary>
[TestClass]
public sealed class PresenceAndTypingTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    [TestMethod]
    public async Task Presence_UserWithTwoDevices_OfflineOnlyAfterLastLeavesAndGracePasses()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var phone = await server.ConnectAsync(bob);
        var laptop = await server.ConnectAsync(bob);
        await phone.JoinAsync(room);
        await laptop.JoinAsync(room);

        await phone.DisposeAsync();
        await laptop.DisposeAsync();
        await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.MemberLeft);
        clock.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(Quiet);
        Assert.IsFalse(IsOffline(a, bob), "still within the 5 s grace");

        clock.Advance(TimeSpan.FromSeconds(2));
        var offline = await a.WaitForAsync(f => IsOfflineFrame(f, bob));
        Assert.AreEqual(clock.GetUtcNow().ToUnixTimeSeconds(), offline.Presence.Presence.LastSeen.Seconds, 1);
    }

    [TestMethod]
    public async Task Presence_ReconnectWithinGrace_NoOfflineFlap()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var b = await server.ConnectAndJoinAsync(bob, room);

        await b.DisposeAsync();
        await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.MemberLeft);
        clock.Advance(TimeSpan.FromSeconds(3));
        await using var back = await server.ConnectAndJoinAsync(bob, room);
        clock.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(Quiet);

        Assert.IsFalse(IsOffline(a, bob), "a reconnect inside the grace period never shows offline");
        var members = await server.Chat.GetMembersAsync(new GetMembersRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        Assert.AreEqual(PresenceStatus.Online, members.Members.Single(m => m.UserId == bob.User.Id).Status);
    }

    [TestMethod]
    public async Task SetPresence_Away_MembersOfSharedRoomsSeeIt()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAsync(alice);
        await using var b = await server.ConnectAsync(bob);
        await a.JoinAsync(room);
        await b.JoinAsync(room);

        await b.SendFrameAsync(new ClientFrame { Presence = new SetPresenceRequest { Status = PresenceStatus.Away, StatusText = "lunch" } });

        var away = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Presence && f.Presence.Presence.Status == PresenceStatus.Away);
        Assert.AreEqual("lunch", away.Presence.Presence.StatusText);
        Assert.AreEqual(bob.User.Id, away.Presence.Presence.UserId);
    }

    [TestMethod]
    public async Task Typing_NotRefreshed_ExpiresAfterSixSeconds()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var (a, b, room, bob) = await TwoInRoomAsync(server);
        await using var _a = a;
        await using var _b = b;

        await b.SendFrameAsync(new ClientFrame { Typing = new SetTypingRequest { Room = room, Active = true } });
        await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing && f.Typing.Active);
        clock.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(Quiet);
        Assert.IsFalse(a.Frames.Any(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing && !f.Typing.Active), "not expired at 5 s");

        clock.Advance(TimeSpan.FromSeconds(1.5));
        var cleared = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing && !f.Typing.Active);
        Assert.AreEqual(bob.User.Id, cleared.Typing.UserId);
    }

    [TestMethod]
    public async Task Typing_RepeatedRefreshes_CoalescedIntoOneEvent()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var (a, b, room, _) = await TwoInRoomAsync(server);
        await using var _a = a;
        await using var _b = b;

        for (var i = 0; i < 3; i++)
        {
            await b.SendFrameAsync(new ClientFrame { Typing = new SetTypingRequest { Room = room, Active = true } });
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var ping = await b.SendFrameAsync(new ClientFrame { Ping = new Ping() });
        await b.ReplyAsync(ping);
        await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing);
        await Task.Delay(Quiet);
        Assert.AreEqual(1, a.Frames.Count(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing));
    }

    [TestMethod]
    public async Task Typing_SendingMessage_ClearsTyping()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var (a, b, room, _) = await TwoInRoomAsync(server);
        await using var _a = a;
        await using var _b = b;

        await b.SendFrameAsync(new ClientFrame { Typing = new SetTypingRequest { Room = room, Active = true } });
        await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing && f.Typing.Active);
        await b.SendAsync(room, "done typing");

        await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing && !f.Typing.Active);
    }

    [TestMethod]
    public async Task Stream_TokenExpiresWithoutRefresh_EndsUnauthenticated()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var alice = await server.RegisterAsync();
        await using var a = await server.ConnectAsync(alice);

        clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        var status = await a.WaitForEndAsync();

        Assert.AreEqual(StatusCode.Unauthenticated, status.StatusCode);
        StringAssert.Contains(status.Detail, "expired");
    }

    [TestMethod]
    public async Task Stream_TokenRefreshedOnStream_StaysOpenPastOldExpiry()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var alice = await server.RegisterAsync();
        await using var a = await server.ConnectAsync(alice);
        clock.Advance(TimeSpan.FromMinutes(10));
        var fresh = await server.Auth.RefreshAsync(new RefreshRequest { RefreshToken = alice.Tokens.RefreshToken }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        var id = await a.SendFrameAsync(new ClientFrame { RefreshToken = new RefreshTokenRequest { AccessToken = fresh.Tokens.AccessToken } });
        var reply = await a.ReplyAsync(id);
        clock.Advance(TimeSpan.FromMinutes(10));
        var ping = await a.SendFrameAsync(new ClientFrame { Ping = new Ping { Nonce = 42 } });
        var pong = await a.ReplyAsync(ping);

        Assert.AreEqual(ServerFrame.FrameOneofCase.TokenRefreshed, reply.FrameCase);
        Assert.AreEqual(42UL, pong.Pong.Nonce);
        Assert.IsNull(a.EndStatus);
    }

    [TestMethod]
    public async Task Subscribe_TokenHandedToSessionWithRefreshSession_StaysOpenPastOldExpiry()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        using var subscription = await server.SubscribeAsync(alice);
        var sessionId = subscription.SessionId;
        clock.Advance(TimeSpan.FromMinutes(10));
        var fresh = await server.Auth.RefreshAsync(new RefreshRequest { RefreshToken = alice.Tokens.RefreshToken }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        var renewed = new TestUser(fresh.User, fresh.Tokens);

        var refreshed = await server.Chat.RefreshSessionAsync(new RefreshSessionRequest { SessionId = sessionId }, renewed.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        clock.Advance(TimeSpan.FromMinutes(10));
        await server.Chat.JoinAsync(new JoinRequest { SessionId = sessionId, Room = room }, renewed.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        await server.Chat.SendAsync(new SendRequest { SessionId = sessionId, Room = room, ClientMsgId = "after-expiry", Text = "still here" }, renewed.Options())
            .ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        ChatMessage? delivered = null;
        while (delivered is null && await subscription.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout))
        {
            delivered = subscription.ResponseStream.Current.Message;
        }

        Assert.AreEqual(fresh.Tokens.AccessTokenExpiresAt, refreshed.TokenRefreshed.ExpiresAt);
        Assert.AreEqual("still here", delivered?.Text, "the stream outlived the token it was opened with");
    }

    [TestMethod]
    public async Task Subscribe_IdleStream_GetsHeartbeatPongs()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var alice = await server.RegisterAsync();
        using var subscription = server.Chat.Subscribe(new SubscribeRequest(), alice.Options(deadline: false));
        Assert.IsTrue(await subscription.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));

        clock.Advance(TimeSpan.FromSeconds(26));
        Assert.IsTrue(await subscription.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(ServerFrame.FrameOneofCase.Pong, subscription.ResponseStream.Current.FrameCase);
    }

    private static async Task<(ChatConnection A, ChatConnection B, string Room, TestUser Bob)> TwoInRoomAsync(ChatServerHost server)
    {
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        var a = await server.ConnectAsync(alice);
        var b = await server.ConnectAsync(bob);
        await a.JoinAsync(room);
        await b.JoinAsync(room);
        return (a, b, room, bob);
    }

    private static bool IsOffline(ChatConnection connection, TestUser user) => connection.Frames.Any(f => IsOfflineFrame(f, user));

    private static bool IsOfflineFrame(ServerFrame frame, TestUser user) =>
        frame.FrameCase == ServerFrame.FrameOneofCase.Presence
        && frame.Presence.Presence.UserId == user.User.Id
        && frame.Presence.Presence.Status == PresenceStatus.Offline;
}
