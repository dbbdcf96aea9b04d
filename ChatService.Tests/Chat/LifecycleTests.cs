using ChatGrpc.Contracts.V1;
using ChatCli.Client;
using Grpc.Core;
using Grpc.Net.Client;
using ChatService.Chat;
using Microsoft.Extensions.DependencyInjection;

namespace ChatService.Tests.Chat;

/// <summary>Bounded memory with a stalled reader (guarantee 5), graceful shutdown (9), kicks, and the browser-shaped session.</summary>
[TestClass]
public sealed class LifecycleTests
{
    [TestMethod]
    public async Task StalledReader_DurableFramesOverflow_SessionEndsAndOthersGetEverything()
    {
        const int outbox = 16;
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Chat:OutboxCapacity"] = outbox.ToString() });
        var alice = await server.RegisterAsync();
        var stalled = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        // A client that joins and then never reads: the smallest HTTP/2 window keeps it from buffering much.
        using var slowChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { InitialHttp2StreamWindowSize = 65535 },
        });
        using var slow = new ChatServiceClient(slowChannel).Connect(stalled.Options(deadline: false));
        await slow.RequestStream.WriteAsync(new ClientFrame { RequestId = "j", Join = new JoinRequest { Room = room } }).WaitAsync(ChatServerHost.Timeout);
        var sessions = server.Services.GetRequiredService<SessionRegistry>();
        await WaitUntilAsync(() => sessions.OfUser(stalled.User.Id).Any(s => s.Rooms.ContainsKey(room)));
        var stalledSession = sessions.OfUser(stalled.User.Id).Single();

        const int sent = 200;
        var text = new string('x', 3000);
        var maxQueued = 0;
        for (var i = 0; i < sent; i++)
        {
            await a.SendAsync(room, text);
            maxQueued = Math.Max(maxQueued, stalledSession.Outbox.Count);
        }

        await WaitUntilAsync(() => sessions.OfUser(stalled.User.Id).Count == 0);
        await a.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message, sent);

        Assert.AreEqual(ChatErrorCode.ResourceExhausted, stalledSession.CloseStatus?.Code);
        // The stalled client, reading at last, may get what was in flight, then the reason, never INTERNAL.
        var ended = await Assert.ThrowsExactlyAsync<RpcException>(async () =>
        {
            while (await slow.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(ChatServerHost.Timeout))
            {
            }
        });
        Assert.AreEqual(StatusCode.ResourceExhausted, ended.StatusCode, ended.Status.Detail);
        Assert.IsTrue(maxQueued <= outbox, $"outbox held {maxQueued} frames; its capacity is {outbox}");
        Assert.AreEqual(sent, a.Messages(room).Count, "a healthy reader in the same room lost nothing");
    }

    [TestMethod]
    public async Task Join_ResumeLongBacklogWhileAnotherRoomIsLive_ReaderKeepsUpAndIsNotCutOff()
    {
        // The replay fills the outbox at the reader's pace; live frames for the reader's other rooms
        // must still find room, or a client that reads as fast as it can is cut off as if it stalled.
        // Live sends into the replayed room pile up meanwhile and must follow the replay in order.
        const int outbox = 32;
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Chat:OutboxCapacity"] = outbox.ToString(),
            ["Chat:SendRate:PerSecond"] = "100000",
            ["Chat:SendRate:Burst"] = "100000",
        });
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var backlogRoom = await server.CreateRoomAsync(alice);
        var liveRoom = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAsync(alice);
        await a.JoinAsync(backlogRoom);
        await a.JoinAsync(liveRoom);
        const int backlog = 1500;
        for (var i = 0; i < backlog; i++)
        {
            await a.SendAsync(backlogRoom, $"old {i}");
        }

        await using var b = await server.ConnectAsync(bob);
        await b.JoinAsync(liveRoom);
        using var stopLive = new CancellationTokenSource();
        var liveSent = 0;
        var live = Task.Run(async () =>
        {
            while (!stopLive.IsCancellationRequested)
            {
                await a.SendAsync(liveRoom, $"live {liveSent}");
                await a.SendAsync(backlogRoom, $"new {liveSent}");
                liveSent++;
            }
        });

        var joined = await b.JoinAsync(backlogRoom, afterSeq: 1, epoch: b.Welcome.StoreEpoch);
        await b.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message && f.Message.Room == backlogRoom, backlog - 1, TimeSpan.FromSeconds(60));
        stopLive.Cancel();
        await live.WaitAsync(ChatServerHost.Timeout);
        await b.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message && f.Message.Room == liveRoom, liveSent);
        await b.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message && f.Message.Room == backlogRoom, backlog - 1 + liveSent);

        Assert.AreEqual(ResumeResult.Complete, joined.Resume);
        Assert.IsNull(b.EndStatus, $"the stream ended: {b.EndStatus}");
        Assert.IsTrue(liveSent > 0, "live messages were sent during the replay");
        CollectionAssert.AreEqual(Enumerable.Range(2, backlog - 1 + liveSent).Select(i => (ulong)i).ToArray(), b.Messages(backlogRoom).Select(m => m.Seq).ToArray());
        CollectionAssert.AreEqual(Enumerable.Range(1, liveSent).Select(i => (ulong)i).ToArray(), b.Messages(liveRoom).Select(m => m.Seq).ToArray());
    }

    [TestMethod]
    public async Task Stop_WithConnectedClients_DrainingFrameThenUnavailableAndAckedMessagesStored()
    {
        var server = await ChatServerHost.StartAsync();
        try
        {
            var alice = await server.RegisterAsync();
            var room = await server.CreateRoomAsync(alice);
            var a = await server.ConnectAndJoinAsync(alice, room);
            var acks = new List<SendAck>();
            for (var i = 0; i < 20; i++)
            {
                acks.Add(await a.SendAsync(room, $"m{i}"));
            }

            await server.StopServerAsync();

            var draining = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Draining);
            var status = await a.WaitForEndAsync();
            Assert.IsTrue(draining.Draining.ReconnectAfter.ToTimeSpan() > TimeSpan.Zero);
            Assert.AreEqual(StatusCode.Unavailable, status.StatusCode);
            CollectionAssert.AreEqual(acks.Select(x => x.Seq).ToArray(), DeliveryGuaranteeTests.StoredRows(server, room).Select(r => r.Seq).ToArray());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task Kick_UserWithTwoDevices_BothStreamsEndPermissionDenied()
    {
        await using var server = await ChatServerHost.StartAsync();
        var admin = await server.LoginAdminAsync();
        var troll = await server.RegisterAsync();
        await using var first = await server.ConnectAsync(troll);
        await using var second = await server.ConnectAsync(troll);

        var response = await server.Admin.KickAsync(new KickRequest { UserName = troll.Name, Reason = "spam" }, admin.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual(2, response.Connections);
        foreach (var connection in new[] { first, second })
        {
            var status = await connection.WaitForEndAsync();
            Assert.AreEqual(StatusCode.PermissionDenied, status.StatusCode);
            StringAssert.Contains(status.Detail, "spam");
        }
    }

    [TestMethod]
    public async Task Subscribe_UnaryJoinAndSendOnSession_FramesArriveOnTheStream()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        using var subscription = await server.SubscribeAsync(alice);
        var sessionId = subscription.SessionId;

        var joined = await server.Chat.JoinAsync(new JoinRequest { SessionId = sessionId, Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        var ack = await server.Chat.SendAsync(new SendRequest { SessionId = sessionId, Room = room, ClientMsgId = "web-1", Text = "from a browser" }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        var kinds = new List<ServerFrame>();
        while (kinds.Count < 2 && await subscription.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout))
        {
            kinds.Add(subscription.ResponseStream.Current);
        }

        Assert.AreEqual(room, joined.Joined.Room.Id);
        Assert.AreEqual(ServerFrame.FrameOneofCase.Joined, kinds[0].FrameCase);
        Assert.AreEqual(ServerFrame.FrameOneofCase.Message, kinds[1].FrameCase);
        Assert.AreEqual(ack.Ack.Seq, kinds[1].Message.Seq);
    }

    [TestMethod]
    public async Task UnaryJoin_SomeoneElsesSession_NotFound()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var mallory = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAsync(alice);

        var error = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            server.Chat.JoinAsync(new JoinRequest { SessionId = a.Welcome.SessionId, Room = room }, mallory.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(StatusCode.NotFound, error.StatusCode);
    }

    [TestMethod]
    public async Task DeleteMessage_ByModerator_RoomToldAndHistoryBlank()
    {
        await using var server = await ChatServerHost.StartAsync();
        var admin = await server.LoginAdminAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var ack = await a.SendAsync(room, "regrettable");
        await server.Admin.SetRoleAsync(new SetRoleRequest { UserName = alice.Name, Role = Role.Moderator }, admin.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        await server.Admin.DeleteMessageAsync(new DeleteMessageRequest { Room = room, Seq = ack.Seq }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        var deleted = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.MessageDeleted);
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        Assert.AreEqual(ack.Seq, deleted.MessageDeleted.Seq);
        Assert.IsTrue(history.Messages.Single().Deleted);
        Assert.AreEqual("", history.Messages.Single().Text);
    }

    [TestMethod]
    public async Task GetStats_Admin_CountsConnectionsRoomsAndMessages()
    {
        await using var server = await ChatServerHost.StartAsync();
        var admin = await server.LoginAdminAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await a.SendAsync(room, "one");
        await a.SendAsync(room, "two");

        var stats = await server.Admin.GetStatsAsync(new GetStatsRequest(), admin.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual(1, stats.Connections);
        Assert.AreEqual(1, stats.UsersOnline);
        Assert.AreEqual(1, stats.Rooms);
        Assert.AreEqual(2, stats.MessagesStored);
        Assert.IsTrue(stats.MessagesPerSecond > 0);
        Assert.HasCount(60, stats.MessagesLastMinute, "one count per second of the last minute");
        Assert.AreEqual(2, stats.MessagesLastMinute.Sum(), "both messages fall in the last minute");
        var node = stats.Nodes.Single();
        Assert.AreEqual(stats.Node, node.Node);
        Assert.AreEqual(1, node.Connections);
        var busiest = stats.BusiestRooms.Single();
        Assert.AreEqual(room, busiest.Room);
        Assert.AreEqual(1, busiest.Subscribers);
        Assert.IsTrue(busiest.MessagesPerMinute is > 1.5 and <= 2.0, $"two messages just now: {busiest.MessagesPerMinute}");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + ChatServerHost.Timeout;
        while (!condition())
        {
            Assert.IsTrue(DateTime.UtcNow < deadline, "condition not met within the timeout");
            await Task.Delay(20);
        }
    }
}
