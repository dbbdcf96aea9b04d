using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Cluster;

/// <summary>Several in-process ChatService nodes on one throwaway Postgres database, each on its own ports.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private readonly List<ChatServerHost> _nodes = [];

    private TestCluster(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    public ChatServerHost this[int index] => _nodes[index];

    public static async Task<TestCluster> StartAsync(int nodes)
    {
        var cluster = new TestCluster(await PostgresServer.DatabaseAsync("c" + Guid.NewGuid().ToString("N")[..16]));
        for (var i = 0; i < nodes; i++)
        {
            cluster._nodes.Add(await ChatServerHost.StartAsync(cluster.NodeSettings($"n{i}")));
        }

        return cluster;
    }

    /// <summary>Settings for a node of this cluster; short lease and heal times so failures show within a test's patience.</summary>
    public Dictionary<string, string?> NodeSettings(string nodeId) => new()
    {
        ["Storage:Provider"] = "Postgres",
        ["Storage:ConnectionString"] = ConnectionString,
        ["Cluster:NodeId"] = nodeId,
        ["Cluster:PresenceLease"] = Lease.ToString(),
        ["Cluster:HealInterval"] = "00:00:01",
        ["Chat:PresenceGrace"] = "00:00:01",
        ["Chat:MaxTextLength"] = "20000",
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}
