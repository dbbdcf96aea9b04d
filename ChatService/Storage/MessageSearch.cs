namespace ChatService.Storage;

/// <summary>One word of a search; <see cref="Prefix"/> also matches longer words that begin with it.</summary>
public sealed record SearchTerm(string Word, bool Prefix);

/// <summary>Where to look: one room, or every room a user is a member of.</summary>
public sealed record SearchScope(string? RoomId, string MemberId);

/// <summary>The full-text index over stored messages (FTS5 on SQLite, tsvector and GIN on Postgres).</summary>
public interface IMessageSearch
{
    /// <summary>How many of the newest matches are ranked; results (and pages) stop there.</summary>
    const int RankingWindow = 5000;

    /// <summary>False when messages are not stored (Storage:PersistMessages=false): there is nothing to search.</summary>
    bool IsAvailable => true;

    /// <summary>Messages holding every term, best match first (newest first among equals); never deleted ones.</summary>
    Task<IReadOnlyList<StoredMessage>> SearchAsync(SearchScope scope, IReadOnlyList<SearchTerm> terms, int limit, int offset, CancellationToken cancellationToken = default);
}

/// <summary>Search on the embedded store: the FTS5 table the schema keeps in step with messages.</summary>
public sealed class SqliteMessageSearch(ISqlDatabase database) : IMessageSearch
{
    private const int RankingWindow = IMessageSearch.RankingWindow;

    public Task<IReadOnlyList<StoredMessage>> SearchAsync(SearchScope scope, IReadOnlyList<SearchTerm> terms, int limit, int offset, CancellationToken cancellationToken = default)
    {
        // Each term quoted, so nothing in it is FTS5 syntax; a space between terms means AND.
        var match = string.Join(' ', terms.Select(t => $"\"{t.Word}\"{(t.Prefix ? "*" : "")}"));
        var rooms = scope.RoomId is null ? "i.room_id IN (SELECT room_id FROM memberships WHERE user_id = @member)" : "i.room_id = @room";
        // Ranked among the newest matches only (the FTS5 index yields them newest first and stops),
        // so a word in half the store costs a window's work, not a ranking of every match.
        return Query(database, $"""
            SELECT {SqlMessageQueries.Columns} FROM (
                SELECT s.rowid AS sid, bm25(message_search) AS score FROM message_search s
                JOIN message_search_ids i ON i.id = s.rowid
                WHERE message_search MATCH @match AND {rooms}
                ORDER BY s.rowid DESC LIMIT {RankingWindow}) c
            JOIN message_search_ids i ON i.id = c.sid
            JOIN messages m ON m.room_id = i.room_id AND m.seq = i.seq
            {SqlMessageQueries.QuoteJoin}
            WHERE m.deleted_by IS NULL
            ORDER BY c.score, m.sent_at DESC LIMIT @limit OFFSET @offset;
            """, scope, match, limit, offset, cancellationToken);
    }

    internal static async Task<IReadOnlyList<StoredMessage>> Query(
        ISqlDatabase database, string sql, SearchScope scope, string match, int limit, int offset, CancellationToken cancellationToken) =>
        await database.QueryAsync(sql, SqlMessageQueries.ReadMessage, cancellationToken,
            ("@match", match), ("@member", scope.MemberId), ("@room", scope.RoomId ?? ""), ("@limit", limit), ("@offset", offset)).ConfigureAwait(false);
}

/// <summary>Search on the cluster's store: the generated tsvector column and its GIN index.</summary>
public sealed class PostgresMessageSearch(ISqlDatabase database) : IMessageSearch
{
    public Task<IReadOnlyList<StoredMessage>> SearchAsync(SearchScope scope, IReadOnlyList<SearchTerm> terms, int limit, int offset, CancellationToken cancellationToken = default)
    {
        // Terms hold only letters and digits, so quoting them is all to_tsquery needs.
        var match = string.Join(" & ", terms.Select(t => $"'{t.Word}'{(t.Prefix ? ":*" : "")}"));
        var rooms = scope.RoomId is null ? "m.room_id IN (SELECT room_id FROM memberships WHERE user_id = @member)" : "m.room_id = @room";
        return SqliteMessageSearch.Query(database, $"""
            SELECT {SqlMessageQueries.Columns} FROM (
                SELECT m.room_id, m.seq, m.search FROM messages m, to_tsquery('simple', @match) tq
                WHERE m.search @@ tq AND {rooms} AND m.deleted_by IS NULL
                ORDER BY m.sent_at DESC LIMIT {IMessageSearch.RankingWindow}) c
            JOIN messages m ON m.room_id = c.room_id AND m.seq = c.seq
            {SqlMessageQueries.QuoteJoin}
            CROSS JOIN to_tsquery('simple', @match) tq
            ORDER BY ts_rank(c.search, tq) DESC, m.sent_at DESC LIMIT @limit OFFSET @offset;
            """, scope, match, limit, offset, cancellationToken);
    }
}

/// <summary>Messages kept in memory only are not indexed.</summary>
public sealed class NoMessageSearch : IMessageSearch
{
    public bool IsAvailable => false;

    public Task<IReadOnlyList<StoredMessage>> SearchAsync(SearchScope scope, IReadOnlyList<SearchTerm> terms, int limit, int offset, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StoredMessage>>([]);
}
