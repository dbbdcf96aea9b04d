using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatService.Tests.Chat;

/// <summary>DESIGN.md's delivery guarantees 1-4, each shown on the real server and its real SQLite file.</summary>
[TestClass]
public sealed class DeliveryGuaranteeTests
{
    [TestMethod]
    public async Task Send_Acked_MessageIsAlreadyInTheStoreFile()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);

        var ack = await a.SendAsync(room, "durable");

        // Read the file through a separate connection the moment the ack arrives: it must be committed.
        var rows = StoredRows(server, room);
        Assert.AreEqual(1, rows.Count);
        Assert.AreEqual((ack.Seq, ack.Id, "durable"), rows[0]);
    }

    [TestMethod]
    public async Task Send_RetryWithSameClientMsgId_ReturnsOriginalAckAndStoresOnce()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);

        var first = await a.SendAsync(room, "once", "retry-me");
        var retry = await a.SendAsync(room, "once", "retry-me");

        Assert.IsFalse(first.Duplicate);
        Assert.IsTrue(retry.Duplicate);
        Assert.AreEqual(first.Seq, retry.Seq);
        Assert.AreEqual(first.Id, retry.Id);
        Assert.AreEqual(1, StoredRows(server, room).Count);
    }

    [TestMethod]
    public async Task Send_AckLiveFrameRetryAndHistory_CarryTheSameSentAt()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);

        var ack = await a.SendAsync(room, "when?", "timed");
        var live = await a.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message);
        var retry = await a.SendAsync(room, "when?", "timed");
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        // The store keeps milliseconds; a client that matches a live message with its replay must see one time.
        Assert.AreEqual(history.Messages.Single().SentAt, ack.SentAt, "ack vs history");
        Assert.AreEqual(ack.SentAt, live.Message.SentAt, "ack vs live frame");
        Assert.AreEqual(ack.SentAt, retry.SentAt, "first ack vs the retry's");
    }

    [TestMethod]
    public async Task Send_ConcurrentRetriesFromTwoDevices_OneMessageOneSeq()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var phone = await server.ConnectAsync(alice);
        await using var laptop = await server.ConnectAsync(alice);
        await phone.JoinAsync(room);
        await laptop.JoinAsync(room);

        var acks = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? phone : laptop).SendAsync(room, "same", "shared-id")));

        Assert.AreEqual(1, acks.Select(a => (a.Seq, a.Id)).Distinct().Count());
        Assert.AreEqual(1, acks.Count(a => !a.Duplicate));
        Assert.AreEqual(1, StoredRows(server, room).Count);
    }

    [TestMethod]
    public async Task Join_WithAfterSeq_ReplaysEveryLaterMessageThenLiveWithoutGapOrDuplicate()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        for (var i = 1; i <= 5; i++)
        {
            await a.SendAsync(room, $"m{i}");
        }

        await using var b = await server.ConnectAsync(bob);
        // Live sends race the replay on purpose: the seam must hold either way.
        var live = Task.Run(async () =>
        {
            for (var i = 6; i <= 30; i++)
            {
                await a.SendAsync(room, $"m{i}");
            }
        });
        var joined = await b.JoinAsync(room, afterSeq: 2, epoch: b.Welcome.StoreEpoch);
        await live.WaitAsync(ChatServerHost.Timeout);
        await b.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message, 28);

        Assert.AreEqual(ResumeResult.Complete, joined.Resume);
        Assert.AreEqual(0, joined.History.Count);
        CollectionAssert.AreEqual(Enumerable.Range(3, 28).Select(i => (ulong)i).ToArray(), b.Messages(room).Select(m => m.Seq).ToArray());
    }

    [TestMethod]
    public async Task Join_AfterServerRestart_ResumesFromLastSeqWithNothingLost()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        string epoch;
        ulong lastSeen;
        await using (var a = await server.ConnectAsync(alice))
        await using (var b = await server.ConnectAsync(bob))
        {
            await a.JoinAsync(room);
            await b.JoinAsync(room);
            await a.SendAsync(room, "before 1");
            await a.SendAsync(room, "before 2");
            await b.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message, 2);
            epoch = b.Welcome.StoreEpoch;
            lastSeen = b.Messages(room).Max(m => m.Seq);
            await b.DisposeAsync();
            await a.SendAsync(room, "missed 3");
            await a.SendAsync(room, "missed 4");
        }

        await server.RestartAsync();
        var alice2 = alice with { Tokens = (await server.Auth.LoginAsync(new LoginRequest { UserName = alice.Name, Password = "password-" + alice.Name }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout)).Tokens };
        await using var a2 = await server.ConnectAndJoinAsync(alice2, room);
        var afterRestart = await a2.SendAsync(room, "after restart 5");
        await using var b2 = await server.ConnectAsync(bob);
        Assert.AreEqual(epoch, b2.Welcome.StoreEpoch, "the epoch survives a restart");
        var joined = await b2.JoinAsync(room, afterSeq: lastSeen, epoch: epoch);
        await a2.SendAsync(room, "live 6");
        await b2.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message, 4);

        Assert.AreEqual(5UL, afterRestart.Seq, "seqs continue across a restart");
        Assert.AreEqual(ResumeResult.Complete, joined.Resume);
        CollectionAssert.AreEqual(new ulong[] { 3, 4, 5, 6 }, b2.Messages(room).Select(m => m.Seq).ToArray());
        CollectionAssert.AreEqual(new[] { "missed 3", "missed 4", "after restart 5", "live 6" }, b2.Messages(room).Select(m => m.Text).ToArray());
    }

    [TestMethod]
    public async Task Join_WithForeignEpoch_ResetsInsteadOfResuming()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await a.SendAsync(room, "one");
        await a.SendAsync(room, "two");

        await using var again = await server.ConnectAsync(alice);
        var joined = await again.JoinAsync(room, afterSeq: 1, epoch: "some-other-store");

        Assert.AreEqual(ResumeResult.Reset, joined.Resume);
        CollectionAssert.AreEqual(new[] { "one", "two" }, joined.History.Select(m => m.Text).ToArray());
    }

    [TestMethod]
    public async Task Send_ConcurrentSendersInOneRoom_EveryoneSeesSameGaplessOrder()
    {
        await using var server = await ChatServerHost.StartAsync();
        var owner = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(owner);
        await using var observer = await server.ConnectAndJoinAsync(owner, room);
        var senders = new List<ChatConnection>();
        for (var i = 0; i < 4; i++)
        {
            var connection = await server.ConnectAsync(await server.RegisterAsync());
            await connection.JoinAsync(room);
            senders.Add(connection);
        }

        const int perSender = 50;
        await Task.WhenAll(senders.Select((s, n) => Task.Run(async () =>
        {
            for (var i = 0; i < perSender; i++)
            {
                await s.SendAsync(room, $"{n}:{i}");
            }
        })));
        const int total = 4 * perSender;
        await observer.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message, total);

        var expected = Enumerable.Range(1, total).Select(i => (ulong)i).ToArray();
        CollectionAssert.AreEqual(expected, observer.Messages(room).Select(m => m.Seq).ToArray(), "observer order");
        CollectionAssert.AreEqual(expected, StoredRows(server, room).Select(r => r.Seq).ToArray(), "stored order");
        foreach (var sender in senders)
        {
            await sender.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message, total);
            CollectionAssert.AreEqual(expected, sender.Messages(room).Select(m => m.Seq).ToArray(), "sender order");
            // Per sender, the room keeps the order in which that sender sent.
            var own = observer.Messages(room).Where(m => m.SenderId == sender.Welcome.User.Id).Select(m => int.Parse(m.Text.Split(':')[1])).ToArray();
            CollectionAssert.AreEqual(Enumerable.Range(0, perSender).ToArray(), own);
            await sender.DisposeAsync();
        }
    }

    /// <summary>What the store holds, read with a connection of the test's own, not through the server.</summary>
    internal static List<(ulong Seq, string Id, string Text)> StoredRows(ChatServerHost server, string room)
    {
        using var connection = server.OpenStoreConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, id, text FROM messages WHERE room_id = @room ORDER BY seq;";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@room";
        parameter.Value = room;
        command.Parameters.Add(parameter);
        using var reader = command.ExecuteReader();
        var rows = new List<(ulong, string, string)>();
        while (reader.Read())
        {
            rows.Add(((ulong)reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }
}
