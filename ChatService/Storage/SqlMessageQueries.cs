using System.Data.Common;

namespace ChatService.Storage;

/// <summary>The read side of the message log (and moderation's one update), shared by SQLite and Postgres.</summary>
internal sealed class SqlMessageQueries(ISqlDatabase database)
{
    public const string Columns = "room_id, seq, id, sender_id, sender_name, client_msg_id, text, sent_at, deleted_by";

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

    public Task<StoredMessage?> MarkDeletedAsync(string roomId, ulong seq, string deletedBy, CancellationToken cancellationToken) =>
        database.QuerySingleAsync(
            $"UPDATE messages SET text = '', deleted_by = @by WHERE room_id = @room AND seq = @seq RETURNING {Columns};",
            ReadMessage, cancellationToken, ("@room", roomId), ("@seq", (long)seq), ("@by", deletedBy));

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
        reader.IsDBNull(8) ? null : reader.GetString(8));
}
