using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using ChatGrpc.Contracts.V1;
using ChatCli.Client;
using Grpc.Core;
using Grpc.Net.Client;
using ChatService.Hosting;
using ChatService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatService.Tests.Chat;

/// <summary>
/// The real chat server (same wiring as Program.cs) on loopback ports with a SQLite file in a temp
/// folder. Restartable on the same folder, to test what survives a restart.
/// </summary>
internal sealed class ChatServerHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    public const string AdminName = "admin";
    public const string AdminPassword = "admin-password";

    /// <summary>CHAT_TEST_STORE=postgres runs the same scenarios on the cluster store (one node, a fresh database each).</summary>
    public static readonly bool UsePostgres = string.Equals(Environment.GetEnvironmentVariable("CHAT_TEST_STORE"), "postgres", StringComparison.OrdinalIgnoreCase);

    private readonly Dictionary<string, string?> _settings;
    private WebApplication? _app;

    private ChatServerHost(string dataDirectory, Dictionary<string, string?> settings, TimeProvider? time)
    {
        DataDirectory = dataDirectory;
        _settings = settings;
        Time = time;
    }

    public string DataDirectory { get; }

    public TimeProvider? Time { get; }

    /// <summary>Warnings and errors the server logged, across restarts.</summary>
    public CapturedLogs Logs { get; } = new();

    public int GrpcPort { get; private set; }

    public int WebPort { get; private set; }

    public GrpcChannel Channel { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public ChatServiceClient Chat => new(Channel);

    public AuthServiceClient Auth => new(Channel);

    public AdminServiceClient Admin => new(Channel);

    public static async Task<ChatServerHost> StartAsync(IDictionary<string, string?>? settings = null, TimeProvider? time = null, string? dataDirectory = null)
    {
        var merged = new Dictionary<string, string?>
        {
            // Fast hashes keep registration cheap in tests; the production default is asserted elsewhere.
            ["Auth:PasswordIterations"] = "1000",
            ["Auth:BootstrapAdminUser"] = AdminName,
            ["Auth:BootstrapAdminPassword"] = AdminPassword,
            ["Chat:SendRate:PerSecond"] = "1000",
            ["Chat:SendRate:Burst"] = "1000",
            ["Chat:JoinRate:PerSecond"] = "1000",
            ["Chat:JoinRate:Burst"] = "1000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        dataDirectory ??= Path.Combine(Path.GetTempPath(), "chatgrpc-tests", Guid.NewGuid().ToString("N"));
        if (UsePostgres && !merged.ContainsKey("Storage:Provider"))
        {
            // One database per data directory, so a restart on the same folder finds the same data.
            merged["Storage:Provider"] = "Postgres";
            merged["Storage:ConnectionString"] = await PostgresServer.DatabaseAsync("t" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..20].ToLowerInvariant());
        }

        var host = new ChatServerHost(dataDirectory, merged, time);
        await host.StartServerAsync();
        return host;
    }

    public async Task StartServerAsync(bool samePorts = false)
    {
        // A port found free can be taken by another test's outgoing connection before Kestrel binds
        // it (both come from the ephemeral range), so a fresh pair is tried a few times.
        for (var attempt = 1; ; attempt++)
        {
            var freshPorts = !samePorts || GrpcPort == 0;
            if (freshPorts)
            {
                GrpcPort = FreePort.Next();
                WebPort = FreePort.Next();
            }

            try
            {
                await StartOnPortsAsync();
                return;
            }
            catch (IOException ex) when (freshPorts && attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // Stop what started before the bind failed (the store, background services) before
                // the next attempt opens the same data directory.
                await _app!.StopAsync().WaitAsync(Timeout);
                await _app.DisposeAsync();
                _app = null;
            }
        }
    }

    private async Task StartOnPortsAsync()
    {
        var args = _settings
            .Append(new("Endpoints:GrpcPort", GrpcPort.ToString()))
            .Append(new("Endpoints:WebPort", WebPort.ToString()))
            .Append(new("Storage:DataDirectory", DataDirectory))
            .Select(pair => $"--{pair.Key}={pair.Value}")
            .ToArray();
        var builder = HostingExtensions.CreateChatBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(Logs);
        if (Time is not null)
        {
            builder.Services.AddSingleton(Time);
        }

        builder.AddChatEndpoints(args);
        builder.AddChat();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        _app = builder.Build();
        _app.MapChat();
        await _app.StartAsync().WaitAsync(Timeout);
        Channel = ChatChannel.For($"http://127.0.0.1:{GrpcPort}");
    }

    /// <summary>Graceful stop, as on SIGTERM.</summary>
    public async Task StopServerAsync()
    {
        if (_app is null)
        {
            return;
        }

        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
        _app = null;
        Channel.Dispose();
    }

    /// <summary>Stops and starts again on the same data; with <paramref name="samePorts"/>, clients can reconnect to the same address.</summary>
    public async Task RestartAsync(bool samePorts = false)
    {
        await StopServerAsync();
        await StartServerAsync(samePorts);
    }

    public async Task<TestUser> RegisterAsync(string? name = null)
    {
        name ??= "u" + Guid.NewGuid().ToString("N")[..10];
        var response = await Auth.RegisterAsync(new RegisterRequest { UserName = name, Password = "password-" + name }, Options()).ResponseAsync.WaitAsync(Timeout);
        return new TestUser(response.User, response.Tokens);
    }

    public async Task<TestUser> LoginAdminAsync()
    {
        var response = await Auth.LoginAsync(new LoginRequest { UserName = AdminName, Password = AdminPassword }, Options()).ResponseAsync.WaitAsync(Timeout);
        return new TestUser(response.User, response.Tokens);
    }

    public async Task<string> CreateRoomAsync(TestUser owner, RoomKind kind = RoomKind.Public, params string[] members)
    {
        var id = "r" + Guid.NewGuid().ToString("N")[..12];
        var request = new CreateRoomRequest { Id = id, Title = "Room " + id, Kind = kind };
        request.Members.AddRange(members);
        await Chat.CreateRoomAsync(request, owner.Options()).ResponseAsync.WaitAsync(Timeout);
        return id;
    }

    public async Task<ChatConnection> ConnectAsync(TestUser user)
    {
        var connection = new ChatConnection(Chat.Connect(user.Options(deadline: false)));
        await connection.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Welcome);
        return connection;
    }

    /// <summary>Opens a browser-shaped Subscribe stream and reads its Welcome: the call and the session id unary calls name.</summary>
    public async Task<TestSubscription> SubscribeAsync(TestUser user)
    {
        var call = Chat.Subscribe(new SubscribeRequest(), user.Options(deadline: false));
        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(Timeout), "the stream ended before its Welcome");
        return new TestSubscription(call, call.ResponseStream.Current.Welcome.SessionId);
    }

    /// <summary>Connects a user and joins a room, as most scenarios begin.</summary>
    public async Task<ChatConnection> ConnectAndJoinAsync(TestUser user, string room)
    {
        var connection = await ConnectAsync(user);
        await connection.JoinAsync(room);
        return connection;
    }

    /// <summary>A connection to the store the server writes (SQLite file or Postgres database), for checking what it holds.</summary>
    public DbConnection OpenStoreConnection()
    {
        DbConnection connection = _settings.GetValueOrDefault("Storage:Provider") == "Postgres"
            ? new NpgsqlConnection(_settings["Storage:ConnectionString"])
            : new SqliteConnection($"Data Source={Path.Combine(DataDirectory, "chat.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }

    public static CallOptions Options() => new CallOptions().WithDeadlineAfter(Timeout);

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by SQLite's pool is harmless in a temp folder.
        }
    }
}

/// <summary>A Subscribe stream past its Welcome, and the session id its unary calls name.</summary>
internal sealed record TestSubscription(AsyncServerStreamingCall<ServerFrame> Call, string SessionId) : IDisposable
{
    public IAsyncStreamReader<ServerFrame> ResponseStream => Call.ResponseStream;

    public void Dispose() => Call.Dispose();
}

internal sealed record TestUser(User User, Tokens Tokens)
{
    public string Name => User.Name;

    public Metadata Headers => new() { { "authorization", "Bearer " + Tokens.AccessToken } };

    public CallOptions Options(bool deadline = true) =>
        deadline ? new CallOptions(Headers).WithDeadlineAfter(ChatServerHost.Timeout) : new CallOptions(Headers);
}
