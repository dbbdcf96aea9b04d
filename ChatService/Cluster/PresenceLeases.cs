using ChatGrpc.Contracts.V1;
using ChatService.Storage;

namespace ChatService.Cluster;

/// <summary>A user's presence as another node holds it.</summary>
public sealed record RemotePresence(PresenceStatus Status, string StatusText);

/// <summary>
/// Presence shared between nodes: each node holds a lease per user connected to it and renews its
/// leases; a lease that is not renewed lapses, so a dead node's users go offline for everyone.
/// </summary>
public interface IPresenceLeases
{
    /// <summary>This node holds the user, with this status.</summary>
    Task HoldAsync(string userId, PresenceStatus status, string statusText);

    /// <summary>This node no longer holds the user.</summary>
    Task ReleaseAsync(string userId);

    /// <summary>Live leases other nodes hold, for these users (null: for everyone).</summary>
    Task<IReadOnlyDictionary<string, RemotePresence>> ReadOthersAsync(IReadOnlyCollection<string>? userIds);

    Task RenewAsync();

    /// <summary>Removes lapsed leases; returns the users who had one.</summary>
    Task<IReadOnlyList<string>> ExpireAsync();
}

/// <summary>One node: presence is all in memory.</summary>
public sealed class NoPresenceLeases : IPresenceLeases
{
    private static readonly IReadOnlyDictionary<string, RemotePresence> None = new Dictionary<string, RemotePresence>();

    public Task HoldAsync(string userId, PresenceStatus status, string statusText) => Task.CompletedTask;

    public Task ReleaseAsync(string userId) => Task.CompletedTask;

    public Task<IReadOnlyDictionary<string, RemotePresence>> ReadOthersAsync(IReadOnlyCollection<string>? userIds) => Task.FromResult(None);

    public Task RenewAsync() => Task.CompletedTask;

    public Task<IReadOnlyList<string>> ExpireAsync() => Task.FromResult<IReadOnlyList<string>>([]);
}

/// <summary>Leases in Postgres, timed by the database's clock so nodes' clocks need not agree.</summary>
public sealed class PostgresPresenceLeases(PostgresDatabase database, ClusterNode node, ClusterOptions options) : IPresenceLeases
{
    private double LeaseSeconds => options.PresenceLease.TotalSeconds;

    public Task HoldAsync(string userId, PresenceStatus status, string statusText) =>
        database.ExecuteAsync(
            """
            INSERT INTO presence_leases (user_id, node_id, status, status_text, updated_at, expires_at)
            VALUES (@user, @node, @status, @text, now(), now() + make_interval(secs => @lease))
            ON CONFLICT (user_id, node_id) DO UPDATE
            SET status = excluded.status, status_text = excluded.status_text, updated_at = excluded.updated_at, expires_at = excluded.expires_at;
            """,
            CancellationToken.None, ("@user", userId), ("@node", node.Id), ("@status", (int)status), ("@text", statusText), ("@lease", LeaseSeconds));

    public Task ReleaseAsync(string userId) =>
        database.ExecuteAsync("DELETE FROM presence_leases WHERE user_id = @user AND node_id = @node;", CancellationToken.None, ("@user", userId), ("@node", node.Id));

    public async Task<IReadOnlyDictionary<string, RemotePresence>> ReadOthersAsync(IReadOnlyCollection<string>? userIds)
    {
        // The most recently updated lease wins when a user is on several other nodes.
        var rows = await database.QueryAsync(
            """
            SELECT DISTINCT ON (user_id) user_id, status, status_text FROM presence_leases
            WHERE node_id <> @node AND expires_at > now() AND (@all OR user_id = ANY(@users))
            ORDER BY user_id, updated_at DESC;
            """,
            reader => (User: reader.GetString(0), Presence: new RemotePresence((PresenceStatus)reader.GetInt32(1), reader.GetString(2))),
            CancellationToken.None, ("@node", node.Id), ("@all", userIds is null), ("@users", (userIds ?? []).ToArray())).ConfigureAwait(false);
        return rows.ToDictionary(row => row.User, row => row.Presence);
    }

    public Task RenewAsync() =>
        database.ExecuteAsync(
            "UPDATE presence_leases SET expires_at = now() + make_interval(secs => @lease) WHERE node_id = @node;",
            CancellationToken.None, ("@node", node.Id), ("@lease", LeaseSeconds));

    /// <summary>The node that removes a lapsed lease also records when its user was last seen.</summary>
    public async Task<IReadOnlyList<string>> ExpireAsync() =>
        await database.QueryAsync(
            """
            WITH lapsed AS (DELETE FROM presence_leases WHERE expires_at <= now() RETURNING user_id)
            UPDATE users SET last_seen = (extract(epoch FROM now()) * 1000)::bigint WHERE id IN (SELECT user_id FROM lapsed)
            RETURNING id;
            """,
            reader => reader.GetString(0), CancellationToken.None).ConfigureAwait(false);
}
