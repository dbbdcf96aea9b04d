using ChatGrpc.Contracts.V1;
using ChatService.Chat;
using ChatService.Observability;
using ChatService.Storage;

namespace ChatService.Tests.Chat;

/// <summary>
/// A room's order between its messages and its durable frames, in memory: no store, no sockets. A
/// frame that names a seq this node has not delivered yet (another node committed it and this one is
/// still reading it) waits for it.
/// </summary>
[TestClass]
public sealed class RoomTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly ChatUser Alice = new("u-alice", "alice", Role.Member);

    [TestMethod]
    public void BroadcastDurable_NamedSeqNotDeliveredYet_HeldUntilThatMessageGoesOut()
    {
        using var metrics = new ChatMetrics();
        var room = NewRoom(deliveredSeq: 4);
        var reader = Subscribe(room, metrics);

        room.BroadcastDurable(Deleted(room, 6), afterSeq: 6);
        Assert.AreEqual(0, reader.Outbox.Count, "the deletion went out before message 6");
        room.DeliverMessage(Message(room, 5));
        room.DeliverMessage(Message(room, 6));
        room.DeliverMessage(Message(room, 7));

        CollectionAssert.AreEqual(new[] { "message 5", "message 6", "deleted 6", "message 7" }, Drain(reader));
    }

    [TestMethod]
    public void BroadcastDurable_LaterFrameNeedsAnEarlierSeq_StillFollowsTheHeldOne()
    {
        using var metrics = new ChatMetrics();
        var room = NewRoom(deliveredSeq: 1);
        var reader = Subscribe(room, metrics);

        room.BroadcastDurable(Deleted(room, 3), afterSeq: 3);
        room.BroadcastDurable(Deleted(room, 1), afterSeq: 1);
        room.DeliverMessage(Message(room, 2));
        room.DeliverMessage(Message(room, 3));

        CollectionAssert.AreEqual(new[] { "message 2", "message 3", "deleted 3", "deleted 1" }, Drain(reader));
    }

    [TestMethod]
    public void BroadcastDurable_NamedSeqAlreadyDelivered_GoesOutAtOnce()
    {
        using var metrics = new ChatMetrics();
        var room = NewRoom(deliveredSeq: 9);
        var reader = Subscribe(room, metrics);

        room.BroadcastDurable(Deleted(room, 9), afterSeq: 9);

        CollectionAssert.AreEqual(new[] { "deleted 9" }, Drain(reader));
    }

    [TestMethod]
    public void BroadcastDurable_SeqNeverReached_HeldFramesGoOutPastTheLimit()
    {
        using var metrics = new ChatMetrics();
        var room = NewRoom(deliveredSeq: 0);
        var reader = Subscribe(room, metrics, capacity: 2 * Room.MaxHeldFrames);

        for (var i = 0; i < Room.MaxHeldFrames; i++)
        {
            room.BroadcastDurable(Deleted(room, 1), afterSeq: 1);
        }

        Assert.AreEqual(0, reader.Outbox.Count, "held while within the limit");
        room.BroadcastDurable(Deleted(room, 1), afterSeq: 1);

        Assert.AreEqual(Room.MaxHeldFrames + 1, Drain(reader).Count, "memory stays bounded: past the limit they all go out, in order");
    }

    [TestMethod]
    public void TrySkipTo_WithSubscribers_RefusesAndKeepsFramesHeld()
    {
        using var metrics = new ChatMetrics();
        var room = NewRoom(deliveredSeq: 2);
        var reader = Subscribe(room, metrics);
        room.BroadcastDurable(Deleted(room, 3), afterSeq: 3);

        Assert.IsFalse(room.TrySkipTo(5), "someone here must get messages 3 to 5");
        Assert.AreEqual(2UL, room.DeliveredSeq);
        Assert.AreEqual(0, reader.Outbox.Count);
    }

    [TestMethod]
    public void TrySkipTo_NobodySubscribed_MovesTheLivePositionForJoiners()
    {
        var room = NewRoom(deliveredSeq: 2);

        Assert.IsTrue(room.TrySkipTo(5));
        Assert.IsTrue(room.TrySkipTo(3), "an older target is no step back");

        Assert.AreEqual(5UL, room.DeliveredSeq);
    }

    [TestMethod]
    public async Task TakeSendTurnAsync_AnotherSenderHasIt_WaitsUntilItIsPassedOn()
    {
        var room = NewRoom(deliveredSeq: 0);
        var first = await room.TakeSendTurnAsync().AsTask().WaitAsync(Timeout);

        var second = room.TakeSendTurnAsync().AsTask();
        await Task.Delay(50);
        Assert.IsFalse(second.IsCompleted, "two senders had the turn at once");
        first.Dispose();

        (await second.WaitAsync(Timeout)).Dispose();
    }

    [TestMethod]
    public async Task NextSeqAsync_StoreGenerationMoved_CountsFromTheStoreAgain()
    {
        var store = new InMemoryMessageStore(new StorageOptions());
        var room = NewRoom(deliveredSeq: 0);
        for (ulong seq = 1; seq <= 3; seq++)
        {
            await store.AppendAsync(Message(room, seq), generation: 0, _ => { }).WaitAsync(Timeout);
        }

        using var turn = await room.TakeSendTurnAsync().AsTask().WaitAsync(Timeout);
        var counted = await turn.NextSeqAsync(generation: 0, store);
        var inMemory = await turn.NextSeqAsync(generation: 0, store);
        var afterFailedCommit = await turn.NextSeqAsync(generation: 1, store);

        Assert.AreEqual(4UL, counted, "the first send counts from the store");
        Assert.AreEqual(5UL, inMemory, "then from memory");
        Assert.AreEqual(4UL, afterFailedCommit, "seq 5 never reached the store, so it is handed out again: no gap");
    }

    private static Room NewRoom(ulong deliveredSeq) => new(new RoomRecord("room", "room", RoomKind.Public, Alice.Id, DateTimeOffset.UnixEpoch), deliveredSeq);

    private static StoredMessage Message(Room room, ulong seq) =>
        new(room.Id, seq, $"m{seq}", Alice.Id, Alice.Name, $"c{seq}", $"text {seq}", DateTimeOffset.UnixEpoch, DeletedBy: null);

    private static OutboundFrame Deleted(Room room, ulong seq) =>
        Frames.Durable(new ServerFrame { MessageDeleted = new MessageDeleted { Room = room.Id, Seq = seq } });

    private static Session Subscribe(Room room, ChatMetrics metrics, int capacity = 64) => RoomReader.Subscribe(room, metrics, capacity);

    private static List<string> Drain(Session session) =>
        RoomReader.Drain(session).Select(f => f.Message is { } m ? $"message {m.Seq}" : $"deleted {f.MessageDeleted.Seq}").ToList();
}
