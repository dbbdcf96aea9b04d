using System.Data.Common;

namespace ChatService.Storage;

/// <summary>The read side of the message log, and its edits and deletions, shared by SQLite and Postgres.</summary>
internal sealed class SqlMessageQueries(ISqlDatabase database)
{
    public const string Columns = "room_id, seq, id, sender_id, sender_name, client_msg_id, text, sent_at, deleted_by, edited_at, change_no, edit_id";

    public Task<StoredMessage?> FindByClientMsgIdAsync(string senderId, string clientMsgId, CancellationToken cancellationToken) =>
        database.QuerySingleAsync(
            $"SELECT {Columns} FROM messages WHERE sender_id = @sender AND client_msg_id = @cmid;",
            ReadMessage, cancellationToken, ("@sender", senderId), ("@cmid", clientMsgId));

    public async Task<IReadOnlyList<StoredMessage>> ReadAsync(string roomId, ulong afterSeq, ulong beforeSeq, int limit, bool newest, CancellationToken cancellationToken)
    {
        var messages = await database.QueryAsync(
            $"""
            SELECT {Columns} FROM messages
            WHERE room_id = @room AND seq > @after AND (@before = 0 OR seq < @before)
            ORDER BY seq {(newest ? "DESC" : "ASC")} LIMIT @limit;
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
            WHERE room_id = @room AND seq = @seq AND change_no = @expected
            RETURNING {Columns};
            """,
            ("@text", change.Text), ("@by", change.DeletedBy), ("@edited", change.EditedAt?.Millis()), ("@edit", change.EditId),
            ("@change", number), ("@room", roomId), ("@seq", (long)seq), ("@expected", (long)expectedChange));
        update.Transaction = transaction;
        var changed = await update.ReadAllAsync(ReadMessage, cancellationToken).ConfigureAwait(false);
        if (changed.Count == 0)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed[0];
    }

    public Task<List<StoredMessage>> ReadChangesAsync(string roomId, ulong afterChange, ulong upToChange, ulong maxSeq, int limit, CancellationToken cancellationToken) =>
        database.QueryAsync(
            $"""
            SELECT {Columns} FROM messages
            WHERE room_id = @room AND change_no > 0 AND change_no > @after AND change_no <= @upto AND (@max = 0 OR seq <= @max)
            ORDER BY change_no LIMIT @limit;
            """,
            ReadMessage, cancellationToken, ("@room", roomId), ("@after", (long)afterChange), ("@upto", (long)upToChange), ("@max", (long)maxSeq), ("@limit", limit));

    public async Task<ulong> LastChangeAsync(string roomId, CancellationToken cancellationToken) =>
        Convert.ToUInt64(await database.ScalarAsync(
            "SELECT COALESCE((SELECT last_change FROM room_changes WHERE room_id = @room), 0);", cancellationToken, ("@room", roomId)).ConfigureAwait(false));

    public async Task<long> CountAsync(CancellationToken cancellationToken) =>
        Convert.ToInt64(await database.ScalarAsync("SELECT COUNT(*) FROM messages;", cancellationToken).ConfigureAwait(false));

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
        reader.IsDBNull(11) ? null : reader.GetString(11));
}
