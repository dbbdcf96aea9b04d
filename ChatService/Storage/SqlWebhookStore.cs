using System.Data.Common;

namespace ChatService.Storage;

/// <summary>One event waiting to be delivered to one webhook endpoint.</summary>
public sealed record WebhookDelivery(string EventId, string Endpoint, string Kind, string Body, DateTimeOffset CreatedAt, int Attempts, DateTimeOffset NextAttemptAt);

/// <summary>The webhook outbox: events stay here until their endpoint has taken them, across restarts.</summary>
public interface IWebhookStore
{
    /// <summary>Adds deliveries in one transaction; one already there (same event and endpoint) is left as it is.</summary>
    Task AddAsync(IReadOnlyList<WebhookDelivery> deliveries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes up to <paramref name="limit"/> due deliveries of an endpoint, oldest first and none newer than
    /// one still waiting for its retry, and hides them from other claimers (another node of a cluster)
    /// until <paramref name="claimedUntil"/>.
    /// </summary>
    Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(string endpoint, DateTimeOffset now, DateTimeOffset claimedUntil, int limit, CancellationToken cancellationToken = default);

    Task DeleteAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default);

    Task RetryAtAsync(WebhookDelivery delivery, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default);

    Task<int> CountAsync(string endpoint, CancellationToken cancellationToken = default);
}

/// <summary>The webhook outbox on SQLite or Postgres (the same table and SQL on both).</summary>
public sealed class SqlWebhookStore(ISqlDatabase database) : IWebhookStore
{
    private const string Columns = "event_id, endpoint, kind, body, created_at, attempts, next_attempt_at";

    public async Task AddAsync(IReadOnlyList<WebhookDelivery> deliveries, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var d in deliveries)
        {
            await using var insert = connection.Command(
                $"INSERT INTO webhook_outbox ({Columns}) VALUES (@id, @endpoint, @kind, @body, @created, @attempts, @next) ON CONFLICT DO NOTHING;",
                ("@id", d.EventId), ("@endpoint", d.Endpoint), ("@kind", d.Kind), ("@body", d.Body),
                ("@created", d.CreatedAt.Millis()), ("@attempts", d.Attempts), ("@next", d.NextAttemptAt.Millis()));
            insert.Transaction = transaction;
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(string endpoint, DateTimeOffset now, DateTimeOffset claimedUntil, int limit, CancellationToken cancellationToken = default)
    {
        // Only deliveries older than the endpoint's oldest waiting one (backing off, or claimed by
        // another node) are due: an event recorded after a failure must not overtake it.
        // The outer "next_attempt_at <= @now" is checked again on a row another claimer has just
        // updated (Postgres re-reads it after the lock), so two nodes never both take one delivery.
        var claimed = await database.QueryAsync(
            $"""
            UPDATE webhook_outbox SET next_attempt_at = @until
            WHERE endpoint = @endpoint AND next_attempt_at <= @now AND event_id IN (
                SELECT d.event_id FROM webhook_outbox d
                WHERE d.endpoint = @endpoint AND d.next_attempt_at <= @now AND NOT EXISTS (
                    SELECT 1 FROM webhook_outbox w
                    WHERE w.endpoint = @endpoint AND w.next_attempt_at > @now
                      AND (w.created_at < d.created_at OR (w.created_at = d.created_at AND w.event_id < d.event_id)))
                ORDER BY d.created_at, d.event_id LIMIT @limit)
            RETURNING {Columns};
            """,
            Read, cancellationToken, ("@until", claimedUntil.Millis()), ("@endpoint", endpoint), ("@now", now.Millis()), ("@limit", limit)).ConfigureAwait(false);
        return [.. claimed.OrderBy(d => d.CreatedAt).ThenBy(d => d.EventId, StringComparer.Ordinal)];
    }

    public Task DeleteAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default) =>
        database.ExecuteAsync("DELETE FROM webhook_outbox WHERE event_id = @id AND endpoint = @endpoint;", cancellationToken,
            ("@id", delivery.EventId), ("@endpoint", delivery.Endpoint));

    public Task RetryAtAsync(WebhookDelivery delivery, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default) =>
        database.ExecuteAsync("UPDATE webhook_outbox SET attempts = @attempts, next_attempt_at = @next WHERE event_id = @id AND endpoint = @endpoint;",
            cancellationToken, ("@attempts", attempts), ("@next", nextAttemptAt.Millis()), ("@id", delivery.EventId), ("@endpoint", delivery.Endpoint));

    public async Task<int> CountAsync(string endpoint, CancellationToken cancellationToken = default) =>
        Convert.ToInt32(await database.ScalarAsync("SELECT COUNT(*) FROM webhook_outbox WHERE endpoint = @endpoint;", cancellationToken, ("@endpoint", endpoint))
            .ConfigureAwait(false));

    private static WebhookDelivery Read(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.FromMillis(4), r.GetInt32(5), r.FromMillis(6));
}
