using ChatGrpc.Contracts.V1;
using ChatService.Api;
using ChatService.Chat;
using ChatService.Hosting;
using ChatService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatService.Tests.Domain;

/// <summary>
/// The server's own service graph with no listener and nothing started: sessions are opened on the
/// engine and read from their outboxes, time moves only when a test moves it, messages are kept in
/// memory and users and rooms in a SQLite file of the test's own. The domain tier: no sockets, no HTTP/2.
/// </summary>
internal sealed class ChatDomain : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;
    private readonly string _directory;
    private int _users;

    private ChatDomain(WebApplication app, string directory, ManualTimeProvider time)
    {
        _app = app;
        _directory = directory;
        Time = time;
    }

    public ManualTimeProvider Time { get; }

    public ChatEngine Engine => Get<ChatEngine>();

    public PresenceTracker Presence => Get<PresenceTracker>();

    public static ChatDomain Create(IDictionary<string, string?>? settings = null)
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var directory = Path.Combine(Path.GetTempPath(), "chatgrpc-tests", "domain-" + Guid.NewGuid().ToString("N"));
        var merged = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = directory,
            ["Storage:PersistMessages"] = "false",
            ["Auth:PasswordIterations"] = "1000",
            ["Chat:SendRate:PerSecond"] = "1000",
            ["Chat:SendRate:Burst"] = "1000",
            ["Chat:JoinRate:PerSecond"] = "1000",
            ["Chat:JoinRate:Burst"] = "1000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        var builder = HostingExtensions.CreateChatBuilder([]);
        builder.Configuration.AddInMemoryCollection(merged);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.AddChat();
        return new ChatDomain(builder.Build(), directory, time);
    }

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async Task<ChatUser> UserAsync(string name)
    {
        var unique = $"{name}{Interlocked.Increment(ref _users)}";
        var record = await Get<AuthApi>().CreateUserAsync(unique, $"password-{unique}", Role.Member).WaitAsync(Timeout);
        return new ChatUser(record.Id, record.Name, record.Role);
    }

    /// <summary>A private room of <paramref name="owner"/> and <paramref name="members"/>.</summary>
    public async Task<string> RoomAsync(ChatUser owner, params ChatUser[] members)
    {
        var request = new CreateRoomRequest { Id = $"room-{Guid.NewGuid():N}"[..20], Title = "room", Kind = RoomKind.Private };
        request.Members.AddRange(members.Select(m => m.Name));
        var room = await Get<RoomDirectory>().CreateAsync(owner, request).WaitAsync(Timeout);
        return room.Id;
    }

    /// <summary>Alice and Bob, and a private room of theirs.</summary>
    public async Task<(ChatUser Alice, ChatUser Bob, string Room)> TwoInARoomAsync()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        return (alice, bob, await RoomAsync(alice, bob));
    }

    public FrameLog Open(ChatUser user) => new(Engine.Open(user, Time.GetUtcNow().AddHours(1), $"sign-in-{user.Id}"));

    public async Task<FrameLog> OpenInAsync(ChatUser user, string room)
    {
        var log = Open(user);
        await Engine.JoinAsync(log.Session, new JoinRequest { Room = room }, "join").WaitAsync(Timeout);
        await log.WaitForAsync(f => f.Joined is not null, "joined");
        return log;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open only costs temp space; the next run uses a fresh directory.
        }
    }
}
