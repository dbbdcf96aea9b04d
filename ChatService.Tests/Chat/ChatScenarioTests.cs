using ChatGrpc.Contracts.V1;
using Grpc.Core;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Chat;

/// <summary>The Socket.io chat seeds' scenarios, end to end over real sockets against the real server.</summary>
[TestClass]
public sealed class ChatScenarioTests
{
    [TestMethod]
    public async Task Send_TwoUsersInRoom_OtherReceivesMessage()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAsync(alice);
        await using var b = await server.ConnectAsync(bob);
        await a.JoinAsync(room);
        await b.JoinAsync(room);

        var ack = await a.SendAsync(room, "hello bob", "cmid-1");

        var received = await b.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message);
        Assert.AreEqual("hello bob", received.Message.Text);
        Assert.AreEqual(alice.Name, received.Message.SenderName);
        Assert.AreEqual(ack.Seq, received.Message.Seq);
        Assert.AreEqual(ack.Id, received.Message.Id);
        Assert.AreEqual("cmid-1", received.Message.ClientMsgId);
        Assert.AreEqual(1UL, ack.Seq);
    }

    [TestMethod]
    public async Task Join_SecondUser_FirstSeesMemberJoined()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await using var b = await server.ConnectAsync(bob);
        var joined = await b.JoinAsync(room);

        var memberJoined = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.MemberJoined);
        Assert.AreEqual(bob.User.Id, memberJoined.MemberJoined.Member.UserId);
        CollectionAssert.AreEquivalent(new[] { alice.Name, bob.Name }, joined.Members.Select(m => m.UserName).ToArray());
        Assert.AreEqual(PresenceStatus.Online, joined.Members.Single(m => m.UserName == alice.Name).Status);
    }

    [TestMethod]
    public async Task Typing_ActiveThenInactive_OtherSeesBoth()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAsync(alice);
        await using var b = await server.ConnectAsync(bob);
        await a.JoinAsync(room);
        await b.JoinAsync(room);

        await b.SendFrameAsync(new ClientFrame { Typing = new SetTypingRequest { Room = room, Active = true } });
        var started = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing && f.Typing.Active);
        await b.SendFrameAsync(new ClientFrame { Typing = new SetTypingRequest { Room = room, Active = false } });
        var stopped = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing && !f.Typing.Active);

        Assert.AreEqual(bob.Name, started.Typing.UserName);
        Assert.AreEqual(bob.Name, stopped.Typing.UserName);
        Assert.IsFalse(b.Frames.Any(f => f.FrameCase == ServerFrame.FrameOneofCase.Typing), "typing is not echoed to the typist");
    }

    [TestMethod]
    public async Task Disconnect_LastConnection_OthersSeeMemberLeftThenOffline()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Chat:PresenceGrace"] = "00:00:00.200" });
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var b = await server.ConnectAndJoinAsync(bob, room);

        await b.DisposeAsync();

        var left = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.MemberLeft);
        var offline = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Presence && f.Presence.Presence.Status == PresenceStatus.Offline);
        Assert.AreEqual(bob.User.Id, left.MemberLeft.Member.UserId);
        Assert.AreEqual(bob.User.Id, offline.Presence.Presence.UserId);
        Assert.IsNotNull(offline.Presence.Presence.LastSeen, "offline presence carries last_seen");
    }

    [TestMethod]
    public async Task Join_LateJoiner_GetsRecentHistory()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var carol = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        for (var i = 1; i <= 3; i++)
        {
            await a.SendAsync(room, $"message {i}");
        }

        await using var c = await server.ConnectAsync(carol);
        var joined = await c.JoinAsync(room);

        Assert.AreEqual(ResumeResult.Fresh, joined.Resume);
        Assert.AreEqual(3UL, joined.LastSeq);
        CollectionAssert.AreEqual(new[] { "message 1", "message 2", "message 3" }, joined.History.Select(m => m.Text).ToArray());
    }

    [TestMethod]
    public async Task OpenDirect_OtherUserConnected_TheyAreToldOfTheNewRoom()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        await using var b = await server.ConnectAsync(bob);

        var direct = await server.Chat.OpenDirectAsync(new OpenDirectRequest { UserName = bob.Name }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        var added = await b.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.RoomAdded);
        Assert.AreEqual(direct.Room.Id, added.RoomAdded.Room.Id);
        Assert.AreEqual(RoomKind.Direct, added.RoomAdded.Room.Kind);
        Assert.AreEqual(alice.Name, added.RoomAdded.AddedBy);
        Assert.IsTrue(added.RoomAdded.Room.IsMember);
    }

    [TestMethod]
    public async Task Notify_UserWithTwoDevices_BothGetItAndNobodyElse()
    {
        await using var server = await ChatServerHost.StartAsync();
        var admin = await server.LoginAdminAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        await using var phone = await server.ConnectAsync(alice);
        await using var laptop = await server.ConnectAsync(alice);
        await using var other = await server.ConnectAsync(bob);

        var response = await server.Admin.NotifyAsync(new NotifyRequest { UserName = alice.Name, Title = "hi", Body = "for alice" }, admin.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual(2, response.Connections);
        foreach (var device in new[] { phone, laptop })
        {
            var note = await device.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Notification);
            Assert.AreEqual("for alice", note.Notification.Body);
            Assert.AreEqual(NotificationKind.Direct, note.Notification.Kind);
        }

        // A ping answered after the notification proves bob's stream was flushed past that point.
        var ping = await other.SendFrameAsync(new ClientFrame { Ping = new Ping { Nonce = 7 } });
        await other.ReplyAsync(ping);
        Assert.IsFalse(other.Frames.Any(f => f.FrameCase == ServerFrame.FrameOneofCase.Notification));
    }

    [TestMethod]
    public async Task Broadcast_Admin_EveryConnectionReceivesIt()
    {
        await using var server = await ChatServerHost.StartAsync();
        var admin = await server.LoginAdminAsync();
        var connections = new List<ChatConnection>();
        for (var i = 0; i < 3; i++)
        {
            connections.Add(await server.ConnectAsync(await server.RegisterAsync()));
        }

        var response = await server.Admin.BroadcastAsync(new BroadcastRequest { Title = "maintenance", Body = "at noon" }, admin.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual(3, response.Connections);
        foreach (var connection in connections)
        {
            var note = await connection.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Notification);
            Assert.AreEqual(NotificationKind.Broadcast, note.Notification.Kind);
            Assert.AreEqual(ChatServerHost.AdminName, note.Notification.FromUser);
            await connection.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task AdminCall_ByMember_PermissionDenied()
    {
        await using var server = await ChatServerHost.StartAsync();
        var member = await server.RegisterAsync();

        var error = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            server.Admin.BroadcastAsync(new BroadcastRequest { Title = "x" }, member.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(StatusCode.PermissionDenied, error.StatusCode);
        StringAssert.Contains(error.Status.Detail, "admin");
    }

    [TestMethod]
    public async Task Call_WithoutToken_Unauthenticated()
    {
        await using var server = await ChatServerHost.StartAsync();

        var error = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            server.Chat.ListRoomsAsync(new ListRoomsRequest(), ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(StatusCode.Unauthenticated, error.StatusCode);
    }

    [TestMethod]
    public async Task Connect_ForgedToken_Unauthenticated()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var parts = alice.Tokens.AccessToken.Split('.');
        var forged = alice with { Tokens = new Tokens { AccessToken = $"{parts[0]}.{parts[1]}.{new string('A', parts[2].Length)}" } };

        await using var connection = new ChatConnection(server.Chat.Connect(forged.Options(deadline: false)));
        var status = await connection.WaitForEndAsync();

        Assert.AreEqual(StatusCode.Unauthenticated, status.StatusCode);
    }

    [TestMethod]
    public async Task Call_ExpiredToken_UnauthenticatedSaysExpired()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(time: clock);
        var alice = await server.RegisterAsync();
        clock.Advance(TimeSpan.FromMinutes(16));

        var error = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            server.Chat.ListRoomsAsync(new ListRoomsRequest(), alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(StatusCode.Unauthenticated, error.StatusCode);
        StringAssert.Contains(error.Status.Detail, "expired");
    }
}
