using System.Data.Common;

namespace ChatService.Storage;

/// <summary>The read side of the message log, and its edits and deletions, shared by SQLite and Postgres.</summary>
internal sealed class SqlMessageQueries(ISqlDatabase database)
{
    /// <summary>A message row (m) and a preview of the one it replies to (q), as <see cref="ReadMessage"/> reads them.</summary>
    public static readonly string Columns =
        "m.room_id, m.seq, m.id, m.sender_id, m.sender_name, m.client_msg_id, m.text, m.sent_at, m.deleted_by, m.edited_at, m.change_no, m.edit_id, "
        + $"m.reply_to, q.sender_name, substr(q.text, 1, {QuotedLength}), q.deleted_by";

    /// <summary>Joins a message row m to the one it replies to, q: a quote shows that message as it is now.</summary>
    public const string QuoteJoin = "LEFT JOIN messages q ON q.room_id = m.room_id AND q.seq = m.reply_to";

    /// <summary>Code points of a replied-to message's text read with it: one more than a quote shows, to tell a cut one.</summary>
    public const int QuotedLength = 101;

    public Task<StoredMessage?> FindByClientMsgIdAsync(string senderId, string clientMsgId, CancellationToken cancellationToken) =>
        database.QuerySingleAsync(
            $"SELECT {Columns} FROM messages m {QuoteJoin} WHERE m.sender_id = @sender AND m.client_msg_id = @cmid;",
            ReadMessage, cancellationToken, ("@sender", senderId), ("@cmid", clientMsgId));

    public async Task<IReadOnlyList<StoredMessage>> ReadAsync(string roomId, ulong afterSeq, ulong beforeSeq, int limit, bool newest, CancellationToken cancellationToken)
    {
        var messages = await database.QueryAsync(
            $"""
            SELECT {Columns} FROM messages m {QuoteJoin}
            WHERE m.room_id = @room AND m.seq > @after AND (@before = 0 OR m.seq < @before)
            ORDER BY m.seq {(newest ? "DESC" : "ASC")} LIMIT @limit;
            """,
            ReadMessage, cancellationToken, ("@room", roomId), ("@after", (long)afterSeq), ("@before", (long)beforeSeq), ("@limit", limit)).ConfigureAwait(false);
        if (newest)
        {
            messages.Reverse();
        }

        return messages;
    }

    public async Task<StoredMessage?> ChangeAsync(string roomId, ulong seq, ulong expectedChange, MessageChange change, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The counter row first: on Postgres its row lock makes the room's changes take turns, so numbers
        // are gapless and in commit order; SQLite's transaction already holds the one write lock.
        await using var next = connection.Command(
            """
            INSERT INTO room_changes (room_id, last_change) VALUES (@room, 1)
            ON CONFLICT (room_id) DO UPDATE SET last_change = room_changes.last_change + 1
            RETURNING last_change;
            """,
            ("@room", roomId));
        next.Transaction = transaction;
        var number = Convert.ToInt64(await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));

        await using var update = connection.Command(
            $"""
            UPDATE messages SET text = @text, deleted_by = COALESCE(@by, deleted_by), edited_at = COALESCE(@edited, edited_at),
                edit_id = COALESCE(@edit, edit_id), change_no = @change
            WHERE room_id = @room AND seq = @seq AND change_no = @expected;
            """,
            ("@text", change.Text), ("@by", change.DeletedBy), ("@edited", change.EditedAt?.Millis()), ("@edit", change.EditId),
            ("@change", number), ("@room", roomId), ("@seq", (long)seq), ("@expected", (long)expectedChange));
        update.Transaction = transaction;
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        await using var read = connection.Command(
            $"SELECT {Columns} FROM messages m {QuoteJoin} WHERE m.room_id = @room AND m.seq = @seq;", ("@room", roomId), ("@seq", (long)seq));
        read.Transaction = transaction;
        var changed = await read.ReadAllAsync(ReadMessage, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed[0];
    }

    public Task<List<StoredMessage>> ReadChangesAsync(string roomId, ulong afterChange, ulong upToChange, ulong maxSeq, int limit, CancellationToken cancellationToken) =>
        database.QueryAsync(
            $"""
            SELECT {Columns} FROM messages m {QuoteJoin}
            WHERE m.room_id = @room AND m.change_no > 0 AND m.change_no > @after AND m.change_no <= @upto AND (@max = 0 OR m.seq <= @max)
            ORDER BY m.change_no LIMIT @limit;
            """,
            ReadMessage, cancellationToken, ("@room", roomId), ("@after", (long)afterChange), ("@upto", (long)upToChange), ("@max", (long)maxSeq), ("@limit", limit));

    public async Task<ulong> LastChangeAsync(string roomId, CancellationToken cancellationToken) =>
        Convert.ToUInt64(await database.ScalarAsync(
            "SELECT COALESCE((SELECT last_change FROM room_changes WHERE room_id = @room), 0);", cancellationToken, ("@room", roomId)).ConfigureAwait(false));

    public async Task<long> CountAsync(CancellationToken cancellationToken) =>
        Convert.ToInt64(await database.ScalarAsync("SELECT COUNT(*) FROM messages;", cancellationToken).ConfigureAwait(false));

    /// <summary>The reply_to column's value: the replied-to seq, or NULL.</summary>
    public static object ReplyToValue(QuotedMessage? replyTo) => replyTo is null ? DBNull.Value : (long)replyTo.Seq;

    public static StoredMessage ReadMessage(DbDataReader reader) => new(
        reader.GetString(0),
        (ulong)reader.GetInt64(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetString(5),
        reader.GetString(6),
        reader.FromMillis(7),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.IsDBNull(9) ? null : reader.FromMillis(9),
        (ulong)reader.GetInt64(10),
        reader.IsDBNull(11) ? null : reader.GetString(11),
        reader.IsDBNull(12) || reader.IsDBNull(13) ? null : new QuotedMessage((ulong)reader.GetInt64(12), reader.GetString(13), reader.GetString(14), !reader.IsDBNull(15)));
}
