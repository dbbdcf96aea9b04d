using ChatCli.Client;
using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Cluster;

/// <summary>Several in-process ChatService nodes on one throwaway Postgres database, each on its own ports.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private readonly List<ChatServerHost> _nodes = [];
    private LatencyProxy? _slowLink;

    private TestCluster(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    public ChatServerHost this[int index] => _nodes[index];

    /// <param name="lastNodeStoreLatency">When set, the last node reaches the database through a <see cref="LatencyProxy"/> that holds traffic this long each way.</param>
    public static async Task<TestCluster> StartAsync(int nodes, TimeSpan? lastNodeStoreLatency = null)
    {
        var cluster = new TestCluster(await PostgresServer.DatabaseAsync("c" + Guid.NewGuid().ToString("N")[..16]));
        for (var i = 0; i < nodes; i++)
        {
            var connectionString = cluster.ConnectionString;
            if (i == nodes - 1 && lastNodeStoreLatency is { } latency)
            {
                var direct = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
                cluster._slowLink = LatencyProxy.Start(direct.Port, latency);
                connectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Port = cluster._slowLink.Port }.ConnectionString;
            }

            cluster._nodes.Add(await ChatServerHost.StartAsync(cluster.NodeSettings($"n{i}", connectionString)));
        }

        return cluster;
    }

    /// <summary>Settings for a node of this cluster; short lease and heal times so failures show within a test's patience.</summary>
    public Dictionary<string, string?> NodeSettings(string nodeId, string? connectionString = null) => new()
    {
        ["Storage:Provider"] = "Postgres",
        ["Storage:ConnectionString"] = connectionString ?? ConnectionString,
        ["Cluster:NodeId"] = nodeId,
        ["Cluster:PresenceLease"] = Lease.ToString(),
        ["Cluster:HealInterval"] = "00:00:01",
        ["Chat:PresenceGrace"] = "00:00:01",
        ["Chat:MaxTextLength"] = "20000",
    };

    /// <summary>The opening most cross-node scenarios share: alice on node 0 and bob on node 1, both joined to one room.</summary>
    public async Task<TwoNodeRoom> AliceAndBobAsync()
    {
        var alice = await this[0].RegisterAsync();
        var bob = await this[1].RegisterAsync();
        var room = await this[0].CreateRoomAsync(alice);
        return new TwoNodeRoom(alice, bob, room, await this[0].ConnectAndJoinAsync(alice, room), await this[1].ConnectAndJoinAsync(bob, room));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_slowLink is not null)
        {
            await _slowLink.DisposeAsync();
        }
    }
}

internal sealed record TwoNodeRoom(TestUser Alice, TestUser Bob, string Room, ChatConnection AliceOnFirst, ChatConnection BobOnSecond) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await AliceOnFirst.DisposeAsync();
        await BobOnSecond.DisposeAsync();
    }
}

/// <summary>A cluster node in its own process (the built ChatService.dll), so a test can kill -9 it.</summary>
internal sealed class ExternalNode : IAsyncDisposable
{
    private readonly PeerProcess _process;

    private ExternalNode(PeerProcess process, int grpcPort)
    {
        _process = process;
        GrpcPort = grpcPort;
        Channel = ChatChannel.For($"http://127.0.0.1:{grpcPort}");
    }

    public int GrpcPort { get; }

    public Grpc.Net.Client.GrpcChannel Channel { get; }

    public ChatServiceClient Chat => new(Channel);

    public string Output => _process.Output;

    public static async Task<ExternalNode> StartAsync(TestCluster cluster, string nodeId)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(RepoPaths.Root, "ChatService", "bin", configuration, "net10.0", "ChatService.dll");
        var grpcPort = FreePort.Next();
        var environment = cluster.NodeSettings(nodeId).ToDictionary(pair => "CHAT_" + pair.Key.Replace(":", "__"), pair => pair.Value!);
        environment["CHAT_Endpoints__Host"] = "127.0.0.1";
        environment["CHAT_Endpoints__GrpcPort"] = grpcPort.ToString();
        environment["CHAT_Endpoints__WebPort"] = FreePort.Next().ToString();
        environment["CHAT_Storage__DataDirectory"] = Path.Combine(Path.GetTempPath(), "chatgrpc-tests", Guid.NewGuid().ToString("N"));
        var process = PeerProcess.Start("dotnet", [dll], environment: environment);
        var node = new ExternalNode(process, grpcPort);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await AcceptsAsync(grpcPort))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await node.DisposeAsync();
                Assert.Fail($"Node {nodeId} did not start:\n{process.Output}");
            }

            await Task.Delay(100);
        }

        return node;
    }

    public Task KillAsync() => _process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _process.DisposeAsync();
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or TimeoutException)
        {
            return false;
        }
    }
}
