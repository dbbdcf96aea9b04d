using ChatGrpc.Contracts.V1;
using ChatService.Storage;
using Google.Protobuf;

namespace ChatService.Cluster;

/// <summary>Where nodes post their figures, so the admin dashboard of any node shows every node.</summary>
public interface INodeStatsBoard
{
    Task PostAsync(NodeStats stats, CancellationToken cancellationToken = default);

    /// <summary>What other nodes posted since <paramref name="since"/>.</summary>
    Task<IReadOnlyList<NodeStats>> ReadSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>One node: there is no one else to show.</summary>
public sealed class SingleNodeStatsBoard : INodeStatsBoard
{
    public Task PostAsync(NodeStats stats, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<IReadOnlyList<NodeStats>> ReadSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<NodeStats>>([]);
}

/// <summary>A row per node in Postgres, overwritten every couple of seconds by its node.</summary>
public sealed class PostgresNodeStatsBoard(ISqlDatabase database) : INodeStatsBoard
{
    public Task PostAsync(NodeStats stats, CancellationToken cancellationToken = default) =>
        database.ExecuteAsync(
            """
            INSERT INTO node_stats (node_id, stats, reported_at) VALUES (@node, @stats, @at)
            ON CONFLICT (node_id) DO UPDATE SET stats = excluded.stats, reported_at = excluded.reported_at;
            """,
            cancellationToken, ("@node", stats.Node), ("@stats", stats.ToByteArray()), ("@at", stats.ReportedAt.ToDateTimeOffset().Millis()));

    public async Task<IReadOnlyList<NodeStats>> ReadSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        await database.QueryAsync("SELECT stats FROM node_stats WHERE reported_at >= @since;", r => NodeStats.Parser.ParseFrom((byte[])r[0]),
            cancellationToken, ("@since", since.Millis())).ConfigureAwait(false);
}

/// <summary>Posts this node's figures to the board every two seconds.</summary>
internal sealed class NodeStatsReporter(INodeStatsBoard board, Chat.AdminOperations admin, ILogger<NodeStatsReporter> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await board.PostAsync(admin.ThisNode(), stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Posting this node's stats failed; retrying on the next tick.");
            }
        }
    }
}
