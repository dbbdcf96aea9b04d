using System.Diagnostics;
using System.Threading.Channels;
using ChatService.Observability;
using Microsoft.Data.Sqlite;

namespace ChatService.Storage;

/// <summary>
/// The message log on SQLite. One writer loop takes every queued append, commits them in a single
/// transaction, then runs each message's after-commit callback in order: acks and fan-out never
/// get ahead of the disk, and many messages share one fsync.
/// </summary>
public sealed class SqliteMessageStore : IGroupCommitLog, IAsyncDisposable
{
    private readonly SqliteDatabase _database;
    private readonly int _maxBatch;
    private readonly ChatMetrics _metrics;
    private readonly ILogger<SqliteMessageStore> _logger;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly SqlMessageQueries _queries;

    public SqliteMessageStore(SqliteDatabase database, StorageOptions options, ChatMetrics metrics, ILogger<SqliteMessageStore> logger)
    {
        _database = database;
        _maxBatch = Math.Max(1, options.MaxCommitBatch);
        _metrics = metrics;
        _logger = logger;
        _queries = new SqlMessageQueries(database);
        _writer = Task.Run(WriteLoopAsync);
    }

    private volatile int _generation;

    public string Epoch => _database.Epoch;

    public int Generation => _generation;

    public Task AppendAsync(StoredMessage message, int generation, Action<StoredMessage> onCommitted)
    {
        var pending = new PendingAppend(message, onCommitted, generation);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The message store is shut down.");
        }

        return pending.Committed.Task;
    }

    public async Task FlushAsync()
    {
        var marker = new PendingAppend(null, null, -1);
        if (_queue.Writer.TryWrite(marker))
        {
            await marker.Committed.Task.ConfigureAwait(false);
        }
    }

    public async Task<ulong> LastSeqAsync(string roomId, CancellationToken cancellationToken = default) =>
        Convert.ToUInt64(await _database.ScalarAsync("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room_id = @room;", cancellationToken, ("@room", roomId))
            .ConfigureAwait(false));

    public Task<StoredMessage?> FindByClientMsgIdAsync(string senderId, string clientMsgId, CancellationToken cancellationToken = default) =>
        _queries.FindByClientMsgIdAsync(senderId, clientMsgId, cancellationToken);

    public Task<IReadOnlyList<StoredMessage>> ReadAsync(string roomId, ulong afterSeq, ulong beforeSeq, int limit, bool newest, CancellationToken cancellationToken = default) =>
        _queries.ReadAsync(roomId, afterSeq, beforeSeq, limit, newest, cancellationToken);

    public async Task<StoredMessage?> ChangeAsync(string roomId, ulong seq, ulong expectedChange, MessageChange change, CancellationToken cancellationToken = default)
    {
        await FlushAsync().ConfigureAwait(false);
        return await _queries.ChangeAsync(roomId, seq, expectedChange, change, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredMessage>> ReadChangesAsync(string roomId, ulong afterChange, ulong upToChange, ulong maxSeq, int limit, CancellationToken cancellationToken = default) =>
        await _queries.ReadChangesAsync(roomId, afterChange, upToChange, maxSeq, limit, cancellationToken).ConfigureAwait(false);

    public Task<ulong> LastChangeAsync(string roomId, CancellationToken cancellationToken = default) => _queries.LastChangeAsync(roomId, cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken = default) => _queries.CountAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        using var connection = _database.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO messages (room_id, seq, id, sender_id, sender_name, client_msg_id, text, sent_at, reply_to)
            VALUES ($room, $seq, $id, $sender, $name, $cmid, $text, $at, $reply);
            """;
        var parameters = new[] { "$room", "$seq", "$id", "$sender", "$name", "$cmid", "$text", "$at", "$reply" }
            .Select(name => insert.Parameters.Add(name, SqliteType.Text)).ToArray();
        insert.Prepare();

        var batch = new List<PendingAppend>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var next))
            {
                if (next.Message is not null && next.Generation != _generation)
                {
                    // Its seq was assigned before an earlier batch failed; storing it would leave a gap.
                    next.Committed.TrySetException(new StoreUnavailableException("The message could not be stored; a preceding write failed.", null));
                    continue;
                }

                batch.Add(next);
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                using (var transaction = connection.BeginTransaction())
                {
                    insert.Transaction = transaction;
                    foreach (var pending in batch)
                    {
                        if (pending.Message is not { } m)
                        {
                            continue;
                        }

                        parameters[0].Value = m.RoomId;
                        parameters[1].Value = (long)m.Seq;
                        parameters[2].Value = m.Id;
                        parameters[3].Value = m.SenderId;
                        parameters[4].Value = m.SenderName;
                        parameters[5].Value = m.ClientMsgId;
                        parameters[6].Value = m.Text;
                        parameters[7].Value = m.SentAt.ToUnixTimeMilliseconds();
                        parameters[8].Value = SqlMessageQueries.ReplyToValue(m.ReplyTo);
                        insert.ExecuteNonQuery();
                    }

                    transaction.Commit();
                }

                _metrics.RecordCommit(Stopwatch.GetElapsedTime(started), batch.Count);
            }
            catch (Exception ex)
            {
                // Nothing in this batch is stored; every sender gets a failed ack and may retry with the same id.
                _logger.LogError(ex, "Committing {Count} messages failed", batch.Count);
                _generation++;
                foreach (var pending in batch)
                {
                    pending.Committed.TrySetException(new StoreUnavailableException("The message could not be stored.", ex));
                }

                continue;
            }

            foreach (var pending in batch)
            {
                if (pending.Message is { } message)
                {
                    pending.OnCommitted!(message);
                }

                pending.Committed.TrySetResult();
            }
        }
    }

    private sealed class PendingAppend(StoredMessage? message, Action<StoredMessage>? onCommitted, int generation)
    {
        public int Generation { get; } = generation;

        public StoredMessage? Message { get; } = message;

        public Action<StoredMessage>? OnCommitted { get; } = onCommitted;

        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

public sealed class StoreUnavailableException(string message, Exception? inner) : Exception(message, inner);
