using ChatGrpc.Contracts.V1;
using ChatService.Chat;
using ChatService.Cluster;
using ChatService.Observability;
using ChatService.Storage;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Chat;

/// <summary>Typing on a clock the test moves: coalescing, expiry and clearing, with no stream and no waiting.</summary>
[TestClass]
public sealed class TypingTrackerTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(6);
    private static readonly ChatUser Alice = new("u-alice", "alice", Role.Member);
    private string _folder = "";

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("chatgrpc-typing-").FullName;

    [TestCleanup]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void Set_RefreshedBeforeExpiry_OneStartAndOneStopAnExpiryAfterTheLastRefresh()
    {
        using var fixture = new Fixture(_folder);

        fixture.Typing.Set(fixture.Room, Alice, active: true);
        fixture.Clock.Advance(TimeSpan.FromSeconds(4));
        fixture.Typing.Set(fixture.Room, Alice, active: true);
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        var beforeExpiry = fixture.Told();
        fixture.Clock.Advance(TimeSpan.FromSeconds(1.5));

        CollectionAssert.AreEqual(new[] { "alice typing" }, beforeExpiry, "a refresh is not told again and restarts the expiry");
        CollectionAssert.AreEqual(new[] { "alice stopped" }, fixture.Told());
    }

    [TestMethod]
    public void Clear_WhileTyping_StopToldAtOnceAndTheExpiryNeverFires()
    {
        using var fixture = new Fixture(_folder);
        fixture.Typing.Set(fixture.Room, Alice, active: true);

        fixture.Typing.Clear(fixture.Room, Alice);
        fixture.Clock.Advance(Expiry * 2);

        CollectionAssert.AreEqual(new[] { "alice typing", "alice stopped" }, fixture.Told());
    }

    [TestMethod]
    public void Clear_NotTyping_TellsNobody()
    {
        using var fixture = new Fixture(_folder);

        fixture.Typing.Clear(fixture.Room, Alice);

        Assert.AreEqual(0, fixture.Told().Count);
    }

    [TestMethod]
    public void Set_TypistSubscribedToo_IsNotToldOfTheirOwnTyping()
    {
        using var fixture = new Fixture(_folder);
        var alicesOwn = RoomReader.Subscribe(fixture.Room, fixture.Metrics, user: Alice);

        fixture.Typing.Set(fixture.Room, Alice, active: true);

        Assert.AreEqual(0, RoomReader.Drain(alicesOwn).Count);
        CollectionAssert.AreEqual(new[] { "alice typing" }, fixture.Told());
    }

    /// <summary>The tracker with the single-node relay; its room registry sits on a SQLite file it never needs to read here.</summary>
    private sealed class Fixture : IDisposable
    {
        private readonly SqliteDatabase _database;
        private readonly Session _reader;

        public Fixture(string folder)
        {
            var storage = new StorageOptions { DataDirectory = folder };
            _database = new SqliteDatabase(storage);
            var rooms = new RoomRegistry(new SqlRoomStore(_database), new InMemoryMessageStore(storage));
            var relay = new ClusterRelay(new SingleNodeBus(), rooms, new SessionRegistry());
            Typing = new TypingTracker(relay, new ChatOptions { TypingExpiry = Expiry }, Clock);
            Room = new Room(new RoomRecord("room", "room", RoomKind.Public, Alice.Id, DateTimeOffset.UnixEpoch));
            _reader = RoomReader.Subscribe(Room, Metrics);
        }

        public ManualTimeProvider Clock { get; } = new(DateTimeOffset.UnixEpoch);

        public ChatMetrics Metrics { get; } = new();

        public TypingTracker Typing { get; }

        public Room Room { get; }

        /// <summary>What the other member of the room was told since the last call.</summary>
        public List<string> Told() =>
            RoomReader.Drain(_reader).Select(f => $"{f.Typing.UserName} {(f.Typing.Active ? "typing" : "stopped")}").ToList();

        public void Dispose()
        {
            _database.Dispose();
            Metrics.Dispose();
        }
    }
}
