using System.Data.Common;
using ChatService.Cluster;

namespace ChatService.Storage;

/// <summary>
/// The message log on Postgres. One statement per send bumps the room's counter, inserts the row and
/// signals the other nodes: the counter's row lock orders concurrent writers from every node, and a
/// failed insert rolls the counter back with it, so seqs stay gapless. Postgres delivers the signal
/// only when the row is committed, and only a seq number travels in it; bodies are read from the table.
/// </summary>
public sealed class PostgresMessageStore(PostgresDatabase database, ClusterNode node) : ISequencingMessageStore
{
    private readonly SqlMessageQueries _queries = new(database);

    private static readonly string InsertSql = $"""
        WITH next AS (
            UPDATE rooms SET last_seq = last_seq + 1 WHERE id = @room RETURNING last_seq),
        stored AS (
            INSERT INTO messages (room_id, seq, id, sender_id, sender_name, client_msg_id, text, sent_at, reply_to)
            SELECT @room, next.last_seq, @id, @sender, @name, @cmid, @text, @at, NULLIF(@reply, 0) FROM next
            RETURNING seq)
        SELECT stored.seq, pg_notify('{SignalCodec.Channel}', {SignalCodec.RoomAdvancedSql("@node", "stored.seq", "@room")}) FROM stored;
        """;

    private static readonly string InsertManySql = $"""
        WITH next AS (
            UPDATE rooms SET last_seq = last_seq + @count WHERE id = @room RETURNING last_seq),
        stored AS (
            INSERT INTO messages (room_id, seq, id, sender_id, sender_name, client_msg_id, text, sent_at, reply_to)
            SELECT @room, next.last_seq - @count + batch.ord, batch.id, batch.sender, batch.name, batch.cmid, batch.text, batch.at, NULLIF(batch.reply, 0)
            FROM next, unnest(@ids, @senders, @names, @cmids, @texts, @ats, @replies) WITH ORDINALITY AS batch(id, sender, name, cmid, text, at, reply, ord)
            RETURNING seq)
        SELECT MAX(stored.seq), pg_notify('{SignalCodec.Channel}', {SignalCodec.RoomAdvancedSql("@node", "MAX(stored.seq)", "@room")}) FROM stored;
        """;

    public string Epoch => database.Epoch;

    public async Task<IReadOnlyList<StoredMessage>?> InsertManyAsync(string roomId, IReadOnlyList<NewMessage> messages, CancellationToken cancellationToken = default)
    {
        var ids = messages.Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        object? last;
        try
        {
            last = await database.ScalarAsync(
                InsertManySql, cancellationToken,
                ("@room", roomId), ("@count", (long)messages.Count), ("@node", node.Id), ("@ids", ids),
                ("@senders", messages.Select(m => m.SenderId).ToArray()), ("@names", messages.Select(m => m.SenderName).ToArray()),
                ("@cmids", messages.Select(m => m.ClientMsgId).ToArray()), ("@texts", messages.Select(m => m.Text).ToArray()),
                ("@ats", messages.Select(m => m.SentAt.Millis()).ToArray()), ("@replies", messages.Select(m => (long)(m.ReplyTo?.Seq ?? 0)).ToArray())).ConfigureAwait(false);
        }
        catch (DbException ex) when (database.IsUniqueViolation(ex))
        {
            return null;
        }

        if (last is null)
        {
            throw new InvalidOperationException($"Room '{roomId}' is not in the store.");
        }

        var first = Convert.ToUInt64(last) - (ulong)messages.Count + 1;
        return messages.Select((m, i) => Stored(roomId, first + (ulong)i, ids[i], m)).ToList();
    }

    public async Task<(StoredMessage Message, bool Duplicate)> InsertAsync(string roomId, NewMessage message, CancellationToken cancellationToken = default)
    {
        // Twice at most: the second pass finds the row a concurrent retry of the same key committed first.
        for (var attempt = 0; ; attempt++)
        {
            if (await _queries.FindByClientMsgIdAsync(message.SenderId, message.ClientMsgId, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                return (existing, true);
            }

            var id = Guid.NewGuid().ToString("N");
            object? seq;
            try
            {
                seq = await database.ScalarAsync(
                    InsertSql, cancellationToken,
                    ("@room", roomId), ("@id", id), ("@sender", message.SenderId), ("@name", message.SenderName), ("@cmid", message.ClientMsgId),
                    ("@text", message.Text), ("@at", message.SentAt.Millis()), ("@reply", (long)(message.ReplyTo?.Seq ?? 0)), ("@node", node.Id)).ConfigureAwait(false);
            }
            catch (DbException ex) when (attempt == 0 && database.IsUniqueViolation(ex))
            {
                continue;
            }

            if (seq is null)
            {
                throw new InvalidOperationException($"Room '{roomId}' is not in the store.");
            }

            return (Stored(roomId, Convert.ToUInt64(seq), id, message), false);
        }
    }

    private static StoredMessage Stored(string roomId, ulong seq, string id, NewMessage m) =>
        new(roomId, seq, id, m.SenderId, m.SenderName, m.ClientMsgId, m.Text, m.SentAt, DeletedBy: null, ReplyTo: m.ReplyTo);

    public async Task<ulong> LastSeqAsync(string roomId, CancellationToken cancellationToken = default) =>
        Convert.ToUInt64(await database.ScalarAsync("SELECT last_seq FROM rooms WHERE id = @room;", cancellationToken, ("@room", roomId)).ConfigureAwait(false) ?? 0L);

    /// <summary>Each room's newest seq, for a node healing missed signals in one query.</summary>
    public async Task<IReadOnlyDictionary<string, ulong>> LastSeqsAsync(IReadOnlyCollection<string> roomIds, CancellationToken cancellationToken = default)
    {
        var rows = await database.QueryAsync(
            "SELECT id, last_seq FROM rooms WHERE id = ANY(@rooms);",
            reader => (Room: reader.GetString(0), Seq: (ulong)reader.GetInt64(1)), cancellationToken, ("@rooms", roomIds.ToArray())).ConfigureAwait(false);
        return rows.ToDictionary(row => row.Room, row => row.Seq);
    }

    public Task<StoredMessage?> FindByClientMsgIdAsync(string senderId, string clientMsgId, CancellationToken cancellationToken = default) =>
        _queries.FindByClientMsgIdAsync(senderId, clientMsgId, cancellationToken);

    public Task<IReadOnlyList<StoredMessage>> ReadAsync(string roomId, ulong afterSeq, ulong beforeSeq, int limit, bool newest, CancellationToken cancellationToken = default) =>
        _queries.ReadAsync(roomId, afterSeq, beforeSeq, limit, newest, cancellationToken);

    public Task<StoredMessage?> ChangeAsync(string roomId, ulong seq, ulong expectedChange, MessageChange change, CancellationToken cancellationToken = default) =>
        _queries.ChangeAsync(roomId, seq, expectedChange, change, cancellationToken);

    public async Task<IReadOnlyList<StoredMessage>> ReadChangesAsync(string roomId, ulong afterChange, ulong upToChange, ulong maxSeq, int limit, CancellationToken cancellationToken = default) =>
        await _queries.ReadChangesAsync(roomId, afterChange, upToChange, maxSeq, limit, cancellationToken).ConfigureAwait(false);

    public Task<ulong> LastChangeAsync(string roomId, CancellationToken cancellationToken = default) => _queries.LastChangeAsync(roomId, cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken = default) => _queries.CountAsync(cancellationToken);

    /// <summary>Every insert commits before it returns.</summary>
    public Task FlushAsync() => Task.CompletedTask;
}
