using Microsoft.Data.Sqlite;

namespace ChatService.Storage;

/// <summary>
/// Moves committed messages from message_search_queue into the FTS5 index, a batch per transaction,
/// so a send's commit never pays for indexing. A message is searchable within about
/// <see cref="Interval"/> of its ack; the queue is in the database, so nothing is skipped across a
/// crash or a restart.
/// </summary>
public sealed class SqliteSearchIndexer(SqliteDatabase database, TimeProvider time, ILogger<SqliteSearchIndexer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private const int Batch = 2000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A full batch means more is waiting: go on at once.
                if (await IndexBatchAsync(stoppingToken).ConfigureAwait(false) < Batch)
                {
                    await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (SqliteException ex)
            {
                logger.LogError(ex, "Indexing messages for search failed; trying again shortly");
                await Task.Delay(Interval * 4, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Indexes up to one batch of queued messages; returns how many were taken from the queue.</summary>
    internal async Task<int> IndexBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            CREATE TEMP TABLE IF NOT EXISTS search_batch (room_id TEXT NOT NULL, seq INTEGER NOT NULL);
            DELETE FROM temp.search_batch;
            INSERT INTO temp.search_batch SELECT room_id, seq FROM message_search_queue ORDER BY rowid LIMIT @batch;
            INSERT INTO message_search_ids (room_id, seq) SELECT room_id, seq FROM temp.search_batch WHERE true ON CONFLICT DO NOTHING;
            INSERT INTO message_search (rowid, text)
                SELECT i.id, m.text FROM temp.search_batch b
                JOIN message_search_ids i ON i.room_id = b.room_id AND i.seq = b.seq
                JOIN messages m ON m.room_id = b.room_id AND m.seq = b.seq
                WHERE m.text <> '';
            DELETE FROM message_search_queue WHERE rowid IN (SELECT rowid FROM message_search_queue ORDER BY rowid LIMIT @batch);
            SELECT COUNT(*) FROM temp.search_batch;
            """;
        command.Parameters.AddWithValue("@batch", Batch);
        var taken = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        transaction.Commit();
        return taken;
    }
}
