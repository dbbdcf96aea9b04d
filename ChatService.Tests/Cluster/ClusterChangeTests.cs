using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;

namespace ChatService.Tests.Cluster;

/// <summary>Edits and deletions across nodes: one change order everywhere, and resume on another node.</summary>
[TestClass]
public sealed class ClusterChangeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [TestMethod]
    public async Task EditMessage_OnTwoNodesAtOnce_EveryNodeLetsChangesOutInNumberOrder()
    {
        // Node 1's database is 20 ms away: it hears node 0's changes before it could read them, and its own commit late.
        await using var cluster = await TestCluster.StartAsync(2, lastNodeStoreLatency: TimeSpan.FromMilliseconds(20));
        await using var pair = await cluster.AliceAndBobAsync();
        var (alice, bob, room, aliceOnFirst, bobOnSecond) = pair;
        await using var aliceOnSecond = await cluster[1].ConnectAndJoinAsync(alice, room);
        await using var bobOnFirst = await cluster[0].ConnectAndJoinAsync(bob, room);
        var first = new RoomModel(room);
        var second = new RoomModel(room);
        for (var i = 1; i <= 4; i++)
        {
            await aliceOnFirst.SendAsync(room, $"message {i}");
        }

        const int perNode = 15;
        var editors = new[] { (aliceOnFirst, new ulong[] { 1, 2 }), (aliceOnSecond, new ulong[] { 3, 4 }) };
        var made = await Task.WhenAll(editors.Select(e => Task.Run(async () =>
        {
            var numbers = new List<ulong>();
            for (var k = 0; k < perNode; k++)
            {
                var seq = e.Item2[k % 2];
                var reply = await e.Item1.EditAsync(room, seq, $"message {seq}, version {k}");
                Assert.IsNotNull(reply.ChangeAck, reply.ToString());
                numbers.Add(reply.ChangeAck.Change);
            }

            return numbers;
        })));
        var last = made.SelectMany(n => n).Max();

        foreach (var (observer, model, where) in new[] { (bobOnFirst, first, "node 0"), (bobOnSecond, second, "node 1") })
        {
            await observer.WaitForAsync(f => f.MessageEdited?.Message.Change == last, Patience);
            var changes = observer.Frames.Where(f => f.MessageEdited is not null).Select(f => f.MessageEdited.Message.Change).ToArray();
            CollectionAssert.AreEqual(changes.Order().Distinct().ToArray(), changes, $"{where} let changes out in number order, each once: {string.Join(" ", changes)}");
            foreach (var frame in observer.Frames.Where(f => f.RequestId.Length == 0))
            {
                model.Apply(frame);
            }
        }

        CollectionAssert.AreEqual(Enumerable.Range(1, 2 * perNode).Select(n => (ulong)n).ToArray(), made.SelectMany(n => n).Order().ToArray(), "the store numbered them gaplessly");
        var history = await cluster[1].Chat.HistoryAsync(new HistoryRequest { Room = room }, bob.Options()).ResponseAsync.WaitAsync(Patience);
        CollectionAssert.AreEqual(history.Messages.Select(RoomModel.Line).ToArray(), first.Lines().ToArray(), "node 0");
        CollectionAssert.AreEqual(history.Messages.Select(RoomModel.Line).ToArray(), second.Lines().ToArray(), "node 1");
    }

    [TestMethod]
    public async Task Join_ResumeOnAnotherNodeAfterChangesThere_GetsWhatItMissed()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var pair = await cluster.AliceAndBobAsync();
        var (_, bob, room, aliceOnFirst, bobOnSecond) = pair;
        var seqs = new List<ulong>();
        for (var i = 1; i <= 3; i++)
        {
            seqs.Add((await aliceOnFirst.SendAsync(room, $"message {i}")).Seq);
        }

        await aliceOnFirst.EditAsync(room, seqs[0], "message 1, edited while bob watched");
        await bobOnSecond.WaitForAsync(f => f.MessageEdited is not null, Patience);
        var model = new RoomModel(room);
        foreach (var frame in bobOnSecond.Frames)
        {
            if (frame.Joined is { } joined)
            {
                model.Apply(joined);
            }
            else if (frame.RequestId.Length == 0)
            {
                model.Apply(frame);
            }
        }

        await bobOnSecond.DisposeAsync();
        await aliceOnFirst.EditAsync(room, seqs[1], "message 2, edited while bob was away");
        await aliceOnFirst.DeleteAsync(room, seqs[2]);

        await using var back = await cluster[0].ConnectAsync(bob);
        model.Apply(await back.JoinAsync(room, model.LastSeq, back.Welcome.StoreEpoch, model.LastChange));
        var replayed = await back.WaitForCountAsync(f => f.MessageEdited is not null || f.MessageDeleted is not null, 2, Patience);
        foreach (var frame in replayed)
        {
            model.Apply(frame);
        }

        var history = await cluster[0].Chat.HistoryAsync(new HistoryRequest { Room = room }, bob.Options()).ResponseAsync.WaitAsync(Patience);
        CollectionAssert.AreEqual(history.Messages.Select(RoomModel.Line).ToArray(), model.Lines().ToArray());
        Assert.AreEqual(0, model.Repeats, "the edit bob saw on node 1 is not sent again");
    }
}
