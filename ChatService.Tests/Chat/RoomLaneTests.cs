using ChatGrpc.Contracts.V1;
using ChatService.Chat;
using ChatService.Observability;
using ChatService.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatService.Tests.Chat;

/// <summary>
/// The commit loop hands committed messages to each room's lane instead of fanning out itself: on a
/// real SQLite file, without sockets. A room whose fan-out is stuck (its lock held by the test) stands
/// in for a room of thousands.
/// </summary>
[TestClass]
public sealed class RoomLaneTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly ChatUser Alice = new("u-alice", "alice", Role.Member);
    private string _folder = "";

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("chatgrpc-lane-").FullName;

    [TestCleanup]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public async Task AppendAsync_BigRoomStillFanningOut_OtherRoomAcksAndItsAckWaits()
    {
        await using var fixture = await Fixture.StartAsync(_folder);
        var big = NewRoom("big");
        var small = NewRoom("small");
        var bigReader = Subscribe(big, fixture.Metrics);
        var smallReader = Subscribe(small, fixture.Metrics);

        using var holder = HoldFanoutLock(big);
        var bigSend = fixture.Pipeline.AppendAsync(big, Alice, "c1", "to the big room", null, _ => { });
        var smallSend = fixture.Pipeline.AppendAsync(small, Alice, "c2", "to the small room", null, _ => { });

        var (smallMessage, duplicate) = await smallSend.WaitAsync(Timeout);
        Assert.IsFalse(duplicate);
        CollectionAssert.AreEqual(new[] { ServerFrame.FrameOneofCase.Message }, Drain(smallReader).Select(f => f.FrameCase).ToArray());
        Assert.IsFalse(bigSend.IsCompleted, "the big room's ack came before its fan-out");
        Assert.AreEqual(0, bigReader.Outbox.Count, "the big room fanned out while its lock was held");

        holder.Release();
        var (bigMessage, _) = await bigSend.WaitAsync(Timeout);
        Assert.AreEqual("to the big room", Drain(bigReader).Single().Message.Text);
        var stored = await fixture.Store.ReadAsync(big.Id, 0, long.MaxValue, 10, newest: false).WaitAsync(Timeout);
        Assert.AreEqual(bigMessage.Id, stored.Single().Id);
        Assert.AreEqual(1UL, smallMessage.Seq);
    }

    [TestMethod]
    public async Task BroadcastDurable_MessageStillInLane_FrameFollowsTheMessage()
    {
        await using var fixture = await Fixture.StartAsync(_folder);
        var room = NewRoom("room");
        var reader = Subscribe(room, fixture.Metrics);

        using var holder = HoldFanoutLock(room);
        var send = fixture.Pipeline.AppendAsync(room, Alice, "c1", "deleted soon", null, _ => { });
        await fixture.Store.FlushAsync().WaitAsync(Timeout);
        var deleted = new ServerFrame { MessageDeleted = new MessageDeleted { Room = room.Id, Seq = 1 } };
        room.BroadcastDurable(Frames.Durable(deleted));
        holder.Release();
        await send.WaitAsync(Timeout);
        await WaitUntilAsync(() => reader.Outbox.Count == 2);

        CollectionAssert.AreEqual(
            new[] { ServerFrame.FrameOneofCase.Message, ServerFrame.FrameOneofCase.MessageDeleted },
            Drain(reader).Select(f => f.FrameCase).ToArray());
    }

    [TestMethod]
    public async Task BroadcastDurable_LaneIdle_DeliveredAtOnce()
    {
        await using var fixture = await Fixture.StartAsync(_folder);
        var room = NewRoom("room");
        var reader = Subscribe(room, fixture.Metrics);

        room.BroadcastDurable(Frames.Durable(new ServerFrame { MessageDeleted = new MessageDeleted { Room = room.Id, Seq = 7 } }));

        Assert.AreEqual(7UL, Drain(reader).Single().MessageDeleted.Seq);
    }

    private static Room NewRoom(string id) => new(new RoomRecord(id, id, RoomKind.Public, Alice.Id, DateTimeOffset.UnixEpoch));

    private static Session Subscribe(Room room, ChatMetrics metrics) => RoomReader.Subscribe(room, metrics);

    private static List<ServerFrame> Drain(Session session) => RoomReader.Drain(session);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.IsTrue(DateTime.UtcNow < deadline, "timed out waiting for the fan-out");
            await Task.Delay(10);
        }
    }

    private static LockHolder HoldFanoutLock(Room room) => new(room.FanoutLockForTests);

    /// <summary>Holds a monitor on a thread of its own (monitors belong to the thread that took them) until released.</summary>
    private sealed class LockHolder : IDisposable
    {
        private readonly ManualResetEventSlim _held = new();
        private readonly ManualResetEventSlim _release = new();
        private readonly Thread _thread;

        public LockHolder(object gate)
        {
            _thread = new Thread(() =>
            {
                lock (gate)
                {
                    _held.Set();
                    _release.Wait(Timeout);
                }
            }) { IsBackground = true };
            _thread.Start();
            Assert.IsTrue(_held.Wait(Timeout), "the lock was not taken");
        }

        public void Release()
        {
            _release.Set();
            Assert.IsTrue(_thread.Join(Timeout), "the lock holder did not finish");
        }

        public void Dispose()
        {
            _release.Set();
            _thread.Join(Timeout);
            _held.Dispose();
            _release.Dispose();
        }
    }

    private sealed class Fixture : IAsyncDisposable
    {
        private SqliteDatabase _database = null!;

        public ChatMetrics Metrics { get; } = new();

        public SqliteMessageStore Store { get; private set; } = null!;

        public MessagePipeline Pipeline { get; private set; } = null!;

        public static Task<Fixture> StartAsync(string folder)
        {
            var options = new StorageOptions { DataDirectory = folder };
            var fixture = new Fixture { _database = new SqliteDatabase(options) };
            fixture.Store = new SqliteMessageStore(fixture._database, options, fixture.Metrics, NullLogger<SqliteMessageStore>.Instance);
            fixture.Pipeline = new MessagePipeline(fixture.Store, fixture.Metrics, TimeProvider.System);
            return Task.FromResult(fixture);
        }

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            _database.Dispose();
            Metrics.Dispose();
        }
    }
}
