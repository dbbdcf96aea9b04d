using ChatGrpc.Contracts.V1;
using Grpc.Core;
using ChatService.Cluster;
using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Cluster;

/// <summary>Three nodes on one Postgres: the single-node guarantees hold across nodes.</summary>
[TestClass]
public sealed class ClusterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [TestMethod]
    public async Task GetStats_TwoNodes_EachShowsBothNodesWithTheirOwnConnections()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var admin = await cluster[0].LoginAdminAsync();
        await using var pair = await cluster.AliceAndBobAsync();
        await using var extra = await cluster[1].ConnectAsync(pair.Bob);

        // Nodes post their figures every two seconds; wait until node 0 has heard node 1's.
        GetStatsResponse stats;
        var deadline = DateTime.UtcNow + ChatServerHost.Timeout;
        do
        {
            await Task.Delay(200);
            stats = await cluster[0].Admin.GetStatsAsync(new GetStatsRequest(), admin.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        }
        while (stats.Nodes.SingleOrDefault(n => n.Node == "n1")?.Connections != 2 && DateTime.UtcNow < deadline);

        Assert.AreEqual("n0", stats.Node);
        CollectionAssert.AreEqual(new[] { "n0", "n1" }, stats.Nodes.Select(n => n.Node).ToArray());
        Assert.AreEqual(1, stats.Nodes[0].Connections, "alice's stream on node 0");
        Assert.AreEqual(2, stats.Nodes[1].Connections, "bob's two streams on node 1");
    }

    [TestMethod]
    public async Task Send_ConcurrentSendersOnThreeNodes_EveryClientSeesOneGaplessOrder()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var users = new[] { await cluster[0].RegisterAsync(), await cluster[1].RegisterAsync(), await cluster[2].RegisterAsync() };
        var room = await cluster[0].CreateRoomAsync(users[0]);
        var connections = new List<ChatConnection>();
        for (var i = 0; i < 3; i++)
        {
            connections.Add(await cluster[i].ConnectAndJoinAsync(users[i], room));
        }

        const int perSender = 15;
        await Task.WhenAll(connections.Select((connection, i) => Task.Run(async () =>
        {
            for (var k = 0; k < perSender; k++)
            {
                await connection.SendAsync(room, $"from node {i}, message {k}");
            }
        })));

        var orders = new List<string[]>();
        foreach (var connection in connections)
        {
            var received = await connection.WaitForCountAsync(f => f.Message?.Room == room, 3 * perSender, Patience);
            CollectionAssert.AreEqual(Enumerable.Range(1, 3 * perSender).Select(n => (ulong)n).ToArray(), received.Select(f => f.Message.Seq).ToArray());
            orders.Add(received.Select(f => f.Message.Id).ToArray());
        }

        CollectionAssert.AreEqual(orders[0], orders[1]);
        CollectionAssert.AreEqual(orders[0], orders[2]);
        for (var i = 0; i < 3; i++)
        {
            var history = await cluster[i].Chat.HistoryAsync(new HistoryRequest { Room = room, Limit = 100 }, users[i].Options()).ResponseAsync.WaitAsync(Patience);
            CollectionAssert.AreEqual(orders[0], history.Messages.Select(m => m.Id).ToArray(), $"history on node {i}");
        }

        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task Send_ManyConcurrentSendersOnOneNodeWithRacingRetries_CombinedCommitsStayGaplessAndIdempotent()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var owner = await cluster[0].RegisterAsync();
        var room = await cluster[0].CreateRoomAsync(owner);
        var senders = new List<ChatConnection>();
        for (var i = 0; i < 8; i++)
        {
            senders.Add(await cluster[0].ConnectAndJoinAsync(owner, room));
        }

        await using var observer = await cluster[1].ConnectAndJoinAsync(owner, room);
        // Every sender sends 10 messages; each key is sent by two senders at once, so retries race inside combined commits.
        var acks = await Task.WhenAll(senders.Select((sender, i) => Task.Run(async () =>
        {
            var mine = new List<SendAck>();
            for (var k = 0; k < 10; k++)
            {
                mine.Add(await sender.SendAsync(room, $"message {i / 2}-{k}", $"key-{i / 2}-{k}"));
            }

            return mine;
        })));

        var all = acks.SelectMany(a => a).ToList();
        Assert.AreEqual(40, all.Where(a => !a.Duplicate).Select(a => a.Seq).Distinct().Count(), "one stored message per key");
        Assert.AreEqual(40, all.Count(a => a.Duplicate), "the other sender of each key got the original ack");
        foreach (var key in all.GroupBy(a => a.ClientMsgId))
        {
            Assert.AreEqual(1, key.Select(a => a.Seq).Distinct().Count(), $"both acks for {key.Key} carry one seq");
        }

        var received = await observer.WaitForCountAsync(f => f.Message?.Room == room, 40, Patience);
        CollectionAssert.AreEqual(Enumerable.Range(1, 40).Select(n => (ulong)n).ToArray(), received.Select(f => f.Message.Seq).ToArray());
        foreach (var sender in senders)
        {
            await sender.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task Send_RetryOnAnotherNodeWithSameClientMsgId_StoredOnce()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var alice = await cluster[0].RegisterAsync();
        var room = await cluster[0].CreateRoomAsync(alice);
        await using var first = await cluster[0].ConnectAndJoinAsync(alice, room);
        await using var second = await cluster[1].ConnectAndJoinAsync(alice, room);

        var original = await first.SendAsync(room, "once", "key-1");
        var retry = await second.SendAsync(room, "once", "key-1");

        Assert.IsFalse(original.Duplicate);
        Assert.IsTrue(retry.Duplicate);
        Assert.AreEqual(original.Seq, retry.Seq);
        var history = await cluster[1].Chat.HistoryAsync(new HistoryRequest { Room = room, Limit = 10 }, alice.Options()).ResponseAsync.WaitAsync(Patience);
        Assert.AreEqual(1, history.Messages.Count);
    }

    [TestMethod]
    public async Task Send_MessageOver8000Bytes_CrossesNodes()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var pair = await cluster.AliceAndBobAsync();
        var (alice, _, room, aliceOnFirst, bobOnSecond) = pair;
        // 15,000 characters, 45,000 bytes of UTF-8: far over NOTIFY's 8000-byte payload limit.
        var text = string.Concat(Enumerable.Repeat("日本語", 5000));

        await aliceOnFirst.SendAsync(room, text);

        var received = await bobOnSecond.WaitForAsync(f => f.Message?.Room == room, Patience);
        Assert.AreEqual(text, received.Message.Text);
    }

    [TestMethod]
    public async Task Notify_BodyOver8000Bytes_ReachesUserOnAnotherNode()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var admin = await cluster[0].LoginAdminAsync();
        var bob = await cluster[1].RegisterAsync();
        await using var bobOnSecond = await cluster[1].ConnectAsync(bob);
        var body = string.Concat(Enumerable.Repeat("€", 4000)); // 12,000 bytes: the signal travels by reference

        await cluster[0].Admin.NotifyAsync(new NotifyRequest { UserName = bob.Name, Title = "big", Body = body }, admin.Options()).ResponseAsync.WaitAsync(Patience);

        var note = await bobOnSecond.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Notification, Patience);
        Assert.AreEqual(body, note.Notification.Body);
    }

    [TestMethod]
    public async Task Send_StoreConnectionsDroppedWhileSending_RefusedAsUnavailableAndRetriesLeaveOneGaplessCopy()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var pair = await cluster.AliceAndBobAsync();
        var (alice, _, room, aliceOnFirst, bobOnSecond) = pair;
        var database = new Npgsql.NpgsqlConnectionStringBuilder(cluster.ConnectionString).Database!;

        var sending = Task.Run(async () =>
        {
            var replies = new List<(int N, ServerFrame Reply)>();
            for (var n = 1; n <= 40; n++)
            {
                replies.Add((n, await aliceOnFirst.SendRawAsync(room, $"m{n}", $"k{n}")));
            }

            return replies;
        });
        var dropped = 0;
        for (var i = 0; i < 3 && !sending.IsCompleted; i++)
        {
            await Task.Delay(30);
            dropped += await PostgresServer.TerminateStoreConnectionsAsync(database);
        }

        var replies = await sending.WaitAsync(Patience);
        var retried = 0;
        foreach (var (n, reply) in replies.Where(r => r.Reply.FrameCase != ServerFrame.FrameOneofCase.SendAck))
        {
            Assert.AreEqual((int)StatusCode.Unavailable, reply.Error.Code, $"m{n}: {reply}");
            var ack = await aliceOnFirst.SendRawAsync(room, $"m{n}", $"k{n}");
            for (var attempt = 0; ack.FrameCase != ServerFrame.FrameOneofCase.SendAck && attempt < 20; attempt++)
            {
                await Task.Delay(100);
                ack = await aliceOnFirst.SendRawAsync(room, $"m{n}", $"k{n}");
            }

            Assert.AreEqual(ServerFrame.FrameOneofCase.SendAck, ack.FrameCase, $"retry of m{n}: {ack}");
            retried++;
        }

        var history = await cluster[1].Chat.HistoryAsync(new HistoryRequest { Room = room, Limit = 100 }, alice.Options()).ResponseAsync.WaitAsync(Patience);
        var received = await bobOnSecond.WaitForCountAsync(f => f.Message?.Room == room, 40, Patience);
        Console.WriteLine($"dropped {dropped} connections, {retried} sends refused and retried");
        Assert.IsTrue(dropped > 0, "no store connection was open to end");
        CollectionAssert.AreEquivalent(Enumerable.Range(1, 40).Select(n => $"m{n}").ToArray(), history.Messages.Select(m => m.Text).ToArray(), $"{retried} retried");
        CollectionAssert.AreEqual(Enumerable.Range(1, 40).Select(n => (ulong)n).ToArray(), history.Messages.Select(m => m.Seq).ToArray());
        CollectionAssert.AreEqual(history.Messages.Select(m => m.Seq).ToArray(), received.Select(f => f.Message.Seq).ToArray());
    }

    [TestMethod]
    public async Task Signals_ListenerConnectionDropped_MissedMessagesStillArriveInOrder()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var pair = await cluster.AliceAndBobAsync();
        var (alice, _, room, aliceOnFirst, bobOnSecond) = pair;

        var ended = await PostgresServer.TerminateConnectionsAsync(PostgresSignalBus.ListenerApplicationName("n1"));
        for (var i = 1; i <= 10; i++)
        {
            await aliceOnFirst.SendAsync(room, $"while bob's node was deaf {i}");
        }

        Assert.AreEqual(1, ended, "node n1's listener connection was ended");
        var received = await bobOnSecond.WaitForCountAsync(f => f.Message?.Room == room, 10, Patience);
        CollectionAssert.AreEqual(Enumerable.Range(1, 10).Select(n => (ulong)n).ToArray(), received.Select(f => f.Message.Seq).ToArray());
    }

    [TestMethod]
    public async Task Resume_OnAnotherNode_GetsExactlyTheMissedMessages()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var alice = await cluster[0].RegisterAsync();
        var bob = await cluster[2].RegisterAsync();
        var room = await cluster[0].CreateRoomAsync(alice);
        await using var bobOnThird = await cluster[2].ConnectAndJoinAsync(bob, room);
        var aliceOnFirst = await cluster[0].ConnectAndJoinAsync(alice, room);
        for (var i = 1; i <= 3; i++)
        {
            await bobOnThird.SendAsync(room, $"before {i}");
        }

        await aliceOnFirst.WaitForCountAsync(f => f.Message?.Room == room, 3, Patience);
        var epoch = aliceOnFirst.Welcome.StoreEpoch;
        await aliceOnFirst.DisposeAsync();
        for (var i = 1; i <= 4; i++)
        {
            await bobOnThird.SendAsync(room, $"while alice was away {i}");
        }

        await using var aliceOnSecond = await cluster[1].ConnectAsync(alice);
        Assert.AreEqual(epoch, aliceOnSecond.Welcome.StoreEpoch, "every node reports the shared store's epoch");
        var joined = await aliceOnSecond.JoinAsync(room, afterSeq: 3, epoch: epoch);
        await bobOnThird.SendAsync(room, "after the resume");

        Assert.AreEqual(ResumeResult.Complete, joined.Resume);
        var received = await aliceOnSecond.WaitForCountAsync(f => f.Message?.Room == room, 5, Patience);
        await Task.Delay(300);
        CollectionAssert.AreEqual(new ulong[] { 4, 5, 6, 7, 8 }, aliceOnSecond.Messages(room).Select(m => m.Seq).ToArray());
        Assert.AreEqual("after the resume", received[^1].Message.Text);
    }

    [TestMethod]
    public async Task DeleteMessage_RightAfterItsAck_EveryNodeDeliversTheMessageBeforeItsDeletion()
    {
        // Node 1 hears of each message as a seq and reads it back from the store 40 ms later; the deletion frame comes sooner.
        await using var cluster = await TestCluster.StartAsync(2, lastNodeStoreLatency: TimeSpan.FromMilliseconds(20));
        var admin = await cluster[0].LoginAdminAsync();
        await using var pair = await cluster.AliceAndBobAsync();
        var (_, bob, room, aliceOnFirst, bobOnSecond) = pair;
        await using var bobOnFirst = await cluster[0].ConnectAndJoinAsync(bob, room);
        const int rounds = 30;

        await Task.WhenAll(Enumerable.Range(0, rounds).Select(i => Task.Run(async () =>
        {
            var ack = await aliceOnFirst.SendAsync(room, $"regrettable {i}");
            await cluster[0].Admin.DeleteMessageAsync(new DeleteMessageRequest { Room = room, Seq = ack.Seq }, admin.Options()).ResponseAsync.WaitAsync(Patience);
        })));

        foreach (var (observer, where) in new[] { (bobOnSecond, "node 1"), (bobOnFirst, "node 0") })
        {
            await observer.WaitForCountAsync(f => f.MessageDeleted?.Room == room, rounds, Patience);
            var order = observer.Frames
                .Where(f => f.Message?.Room == room || f.MessageDeleted?.Room == room)
                .Select(f => f.Message is { } m ? $"message {m.Seq}" : $"deleted {f.MessageDeleted.Seq}")
                .ToArray();
            var early = order.Where(e => e.StartsWith("deleted") && Array.IndexOf(order, "message" + e["deleted".Length..]) is var at && (at < 0 || at > Array.IndexOf(order, e))).ToArray();
            Assert.AreEqual(0, early.Length, $"{where} told of a deletion before the message: {string.Join(", ", early.Take(5))}");
            CollectionAssert.AreEqual(Enumerable.Range(1, rounds).Select(seq => $"message {seq}").ToArray(), order.Where(e => e.StartsWith("message")).ToArray(), where);
        }
    }

    [TestMethod]
    public async Task Join_SameUserOnTwoNodesAtOnce_AnnouncedOnceAndLeftOnlyWhenTheLastStreamCloses()
    {
        // Node 1's database is 20 ms away, so its record of carol lands well after node 0's: the stream
        // node 0 closes first must still count the one on node 1 once both joins have completed.
        await using var cluster = await TestCluster.StartAsync(2, lastNodeStoreLatency: TimeSpan.FromMilliseconds(20));
        await using var pair = await cluster.AliceAndBobAsync();
        var (_, _, room, aliceOnFirst, bobOnSecond) = pair;
        var carol = await cluster[1].RegisterAsync();
        bool IsCarol(MemberEvent? e) => e?.Member.UserId == carol.User.Id;

        var streams = await Task.WhenAll(cluster[0].ConnectAndJoinAsync(carol, room), cluster[1].ConnectAndJoinAsync(carol, room));
        await aliceOnFirst.WaitForAsync(f => IsCarol(f.MemberJoined), Patience);
        await streams[0].DisposeAsync();
        await streams[1].SendAsync(room, "still here on node 1");
        await streams[1].DisposeAsync();
        await aliceOnFirst.WaitForAsync(f => IsCarol(f.MemberLeft), Patience);
        var marker = await aliceOnFirst.SendAsync(room, "after carol left");

        foreach (var (observer, where) in new[] { (aliceOnFirst, "node 0"), (bobOnSecond, "node 1") })
        {
            await observer.WaitForAsync(f => f.Message?.Seq == marker.Seq && f.Message.Room == room, Patience);
            var told = observer.Frames
                .Where(f => IsCarol(f.MemberJoined) || IsCarol(f.MemberLeft) || f.Message?.Room == room)
                .Select(f => f.Message is { } m ? m.Text : f.MemberJoined is not null ? "joined" : "left")
                .ToArray();
            CollectionAssert.AreEqual(new[] { "joined", "still here on node 1", "left", "after carol left" }, told, $"{where}: {string.Join(", ", told)}");
        }
    }

    [TestMethod]
    public async Task Typing_OnOneNode_ShownToMembersOnAnother()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var pair = await cluster.AliceAndBobAsync();
        var (alice, _, room, aliceOnFirst, bobOnSecond) = pair;

        await aliceOnFirst.SendFrameAsync(new ClientFrame { Typing = new SetTypingRequest { Room = room, Active = true } });

        var typing = await bobOnSecond.WaitForAsync(f => f.Typing?.Room == room, Patience);
        Assert.AreEqual(alice.User.Id, typing.Typing.UserId);
        Assert.IsTrue(typing.Typing.Active);
    }

    [TestMethod]
    public async Task Presence_UserOnTwoNodes_OnlineOnceAndOfflineOnlyWhenBothClose()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var alice = await cluster[0].RegisterAsync();
        var bob = await cluster[1].RegisterAsync();
        var room = await cluster[0].CreateRoomAsync(alice);
        await using var aliceOnFirst = await cluster[0].ConnectAndJoinAsync(alice, room);
        var bobOnSecond = await cluster[1].ConnectAndJoinAsync(bob, room);
        await aliceOnFirst.WaitForAsync(f => f.MemberJoined?.Member.UserId == bob.User.Id, Patience);
        var bobOnThird = await cluster[2].ConnectAndJoinAsync(bob, room);
        var members = await cluster[0].Chat.GetMembersAsync(new GetMembersRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(Patience);
        Assert.AreEqual(PresenceStatus.Online, members.Members.Single(m => m.UserId == bob.User.Id).Status, "node 0 sees bob online on the others");

        await bobOnThird.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(3)); // past bob's grace on the third node
        Assert.IsTrue(aliceOnFirst.Frames.Count(IsPresence(bob, PresenceStatus.Online)) <= 1, "online announced at most once");
        Assert.AreEqual(0, aliceOnFirst.Frames.Count(IsPresence(bob, PresenceStatus.Offline)), "still online on the second node");

        await bobOnSecond.DisposeAsync();
        await aliceOnFirst.WaitForAsync(IsPresence(bob, PresenceStatus.Offline), Patience);
    }

    [TestMethod]
    public async Task Admin_KickAndBroadcast_ReachEveryNode()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var admin = await cluster[0].LoginAdminAsync();
        var troll = await cluster[0].RegisterAsync();
        var carol = await cluster[0].RegisterAsync();
        await using var carolOnSecond = await cluster[1].ConnectAsync(carol);
        await using var trollOnThird = await cluster[2].ConnectAsync(troll);

        await cluster[0].Admin.BroadcastAsync(new BroadcastRequest { Title = "maintenance", Body = "at noon" }, admin.Options()).ResponseAsync.WaitAsync(Patience);
        await cluster[0].Admin.KickAsync(new KickRequest { UserName = troll.Name, Reason = "spam" }, admin.Options()).ResponseAsync.WaitAsync(Patience);

        var note = await carolOnSecond.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Notification, Patience);
        Assert.AreEqual("maintenance", note.Notification.Title);
        var status = await trollOnThird.WaitForEndAsync(Patience);
        Assert.AreEqual(StatusCode.PermissionDenied, status.StatusCode);
        StringAssert.Contains(status.Detail, "spam");
    }

    [TestMethod]
    public async Task NodeKilled_ItsUsersGoOfflineWithinTheLease_AndResumeOnAnotherNodeWithoutLoss()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var doomed = await ExternalNode.StartAsync(cluster, "doomed");
        var alice = await cluster[0].RegisterAsync();
        var bob = await cluster[0].RegisterAsync();
        var room = await cluster[0].CreateRoomAsync(alice);
        await using var aliceOnFirst = await cluster[0].ConnectAndJoinAsync(alice, room);
        var bobOnDoomed = new ChatConnection(doomed.Chat.Connect(bob.Options(deadline: false)));
        await bobOnDoomed.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Welcome, Patience);
        await bobOnDoomed.JoinAsync(room);
        await aliceOnFirst.WaitForAsync(f => f.MemberJoined?.Member.UserId == bob.User.Id, Patience);
        await aliceOnFirst.SendAsync(room, "seen by bob");
        await bobOnDoomed.WaitForAsync(f => f.Message?.Seq == 1, Patience);

        await doomed.KillAsync();
        var killedAt = DateTime.UtcNow;
        for (var i = 1; i <= 3; i++)
        {
            await aliceOnFirst.SendAsync(room, $"while bob's node was dead {i}");
        }

        // Lease plus one maintenance pass plus slack for a loaded machine; the default lease is 10 s.
        await aliceOnFirst.WaitForAsync(IsPresence(bob, PresenceStatus.Offline), TestCluster.Lease + TimeSpan.FromSeconds(8));
        Console.WriteLine($"bob offline for alice {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after the kill (lease {TestCluster.Lease.TotalSeconds} s)");
        var status = await bobOnDoomed.WaitForEndAsync(Patience);
        Assert.AreNotEqual(StatusCode.OK, status.StatusCode, "bob's stream broke with the node");
        await bobOnDoomed.DisposeAsync();

        var onlineBeforeReturn = aliceOnFirst.Frames.Count(IsPresence(bob, PresenceStatus.Online));
        await using var bobOnSecond = await cluster[1].ConnectAsync(bob);
        var joined = await bobOnSecond.JoinAsync(room, afterSeq: 1, epoch: bobOnSecond.Welcome.StoreEpoch);
        Assert.AreEqual(ResumeResult.Complete, joined.Resume);
        await bobOnSecond.WaitForCountAsync(f => f.Message?.Room == room, 3, Patience);
        await Task.Delay(300);
        CollectionAssert.AreEqual(new ulong[] { 2, 3, 4 }, bobOnSecond.Messages(room).Select(m => m.Seq).ToArray());
        await aliceOnFirst.WaitForCountAsync(IsPresence(bob, PresenceStatus.Online), onlineBeforeReturn + 1, Patience);
    }

    private static Func<ServerFrame, bool> IsPresence(TestUser user, PresenceStatus status) =>
        f => f.FrameCase == ServerFrame.FrameOneofCase.Presence && f.Presence.Presence.UserId == user.User.Id && f.Presence.Presence.Status == status;
}
