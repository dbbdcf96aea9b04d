using System.Data.Common;
using ChatGrpc.Contracts.V1;

namespace ChatService.Storage;

/// <summary>Rooms, memberships and read markers, on SQLite or Postgres.</summary>
public sealed class SqlRoomStore(ISqlDatabase database) : IRoomStore
{
    private const string RoomColumns = "id, title, kind, created_by, created_at";

    private const string ListingColumns = """
        r.id, r.title, r.kind, r.created_by, r.created_at,
        (SELECT COALESCE(MAX(seq), 0) FROM messages m WHERE m.room_id = r.id),
        COALESCE(me.read_seq, 0),
        (SELECT CAST(COUNT(*) AS INTEGER) FROM memberships c WHERE c.room_id = r.id),
        me.user_id IS NOT NULL,
        (SELECT CAST(COUNT(*) AS INTEGER) FROM mentions mn JOIN messages mm ON mm.room_id = mn.room_id AND mm.seq = mn.seq
         WHERE mn.user_id = @user AND mn.room_id = r.id AND mn.seq > COALESCE(me.read_seq, 0) AND mm.deleted_by IS NULL)
        """;

    private const string AddMemberSql =
        "INSERT INTO memberships (room_id, user_id, joined_at) VALUES (@room, @user, @at) ON CONFLICT (room_id, user_id) DO NOTHING;";

    public Task<RoomRecord?> FindAsync(string roomId, CancellationToken cancellationToken = default) =>
        database.QuerySingleAsync($"SELECT {RoomColumns} FROM rooms WHERE id = @id;", ReadRoom, cancellationToken, ("@id", roomId));

    public async Task<RoomRecord> CreateAsync(RoomRecord room, IReadOnlyCollection<string> memberIds, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = connection.Command(
            $"INSERT INTO rooms ({RoomColumns}) VALUES (@id, @title, @kind, @by, @at);",
            ("@id", room.Id), ("@title", room.Title), ("@kind", (int)room.Kind), ("@by", room.CreatedBy), ("@at", room.CreatedAt.Millis())))
        {
            insert.Transaction = transaction;
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbException ex) when (database.IsUniqueViolation(ex))
            {
                throw new DuplicateException($"A room with id '{room.Id}' already exists.");
            }
        }

        foreach (var member in memberIds.Distinct())
        {
            await using var add = connection.Command(AddMemberSql, ("@room", room.Id), ("@user", member), ("@at", room.CreatedAt.Millis()));
            add.Transaction = transaction;
            await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return room;
    }

    public async Task<IReadOnlyList<RoomListing>> ListAsync(string userId, bool includePublic, CancellationToken cancellationToken = default) =>
        await database.QueryAsync(
            $"""
            SELECT {ListingColumns}
            FROM rooms r LEFT JOIN memberships me ON me.room_id = r.id AND me.user_id = @user
            WHERE me.user_id IS NOT NULL OR (@public AND r.kind = @publicKind)
            ORDER BY r.id;
            """,
            ReadListing, cancellationToken, ("@user", userId), ("@public", includePublic), ("@publicKind", (int)RoomKind.Public)).ConfigureAwait(false);

    public Task<RoomListing?> GetListingAsync(string roomId, string userId, CancellationToken cancellationToken = default) =>
        database.QuerySingleAsync(
            $"""
            SELECT {ListingColumns}
            FROM rooms r LEFT JOIN memberships me ON me.room_id = r.id AND me.user_id = @user
            WHERE r.id = @room;
            """,
            ReadListing, cancellationToken, ("@user", userId), ("@room", roomId));

    public async Task<bool> IsMemberAsync(string roomId, string userId, CancellationToken cancellationToken = default) =>
        await database.ScalarAsync(
            "SELECT 1 FROM memberships WHERE room_id = @room AND user_id = @user;", cancellationToken, ("@room", roomId), ("@user", userId)).ConfigureAwait(false) is not null;

    public async Task<bool> AddMemberAsync(string roomId, string userId, CancellationToken cancellationToken = default) =>
        await database.ExecuteAsync(AddMemberSql, cancellationToken, ("@room", roomId), ("@user", userId), ("@at", DateTimeOffset.UtcNow.Millis())).ConfigureAwait(false) > 0;

    public async Task<bool> RemoveMemberAsync(string roomId, string userId, CancellationToken cancellationToken = default) =>
        await database.ExecuteAsync(
            "DELETE FROM memberships WHERE room_id = @room AND user_id = @user;", cancellationToken, ("@room", roomId), ("@user", userId)).ConfigureAwait(false) > 0;

    public async Task<IReadOnlyList<UserRecord>> ListMembersAsync(string roomId, CancellationToken cancellationToken = default) =>
        await database.QueryAsync(
            """
            SELECT u.id, u.name, u.role, u.password_hash, u.password_salt, u.iterations, u.last_seen
            FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.room_id = @room ORDER BY u.name_key;
            """,
            SqlUserStore.ReadUser, cancellationToken, ("@room", roomId)).ConfigureAwait(false);

    public async Task<IReadOnlyList<UserRecord>> FindMembersByNameAsync(string roomId, IReadOnlyCollection<string> names, CancellationToken cancellationToken = default)
    {
        var keys = names.Select(SqlUserStore.NameKey).Distinct().ToList();
        if (keys.Count == 0)
        {
            return [];
        }

        var list = string.Join(", ", keys.Select((_, i) => $"@n{i}"));
        return await database.QueryAsync(
            $"""
            SELECT u.id, u.name, u.role, u.password_hash, u.password_salt, u.iterations, u.last_seen
            FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.room_id = @room AND u.name_key IN ({list});
            """,
            SqlUserStore.ReadUser, cancellationToken, [("@room", roomId), .. keys.Select((key, i) => ($"@n{i}", (object?)key))]).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<(string UserId, string UserName, ulong ReadSeq)>> ListReadMarkersAsync(string roomId, CancellationToken cancellationToken = default) =>
        await database.QueryAsync(
            "SELECT u.id, u.name, m.read_seq FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.room_id = @room AND m.read_seq > 0 ORDER BY u.name_key;",
            reader => (reader.GetString(0), reader.GetString(1), (ulong)reader.GetInt64(2)), cancellationToken, ("@room", roomId)).ConfigureAwait(false);

    public async Task<int> CountMembersAsync(string roomId, CancellationToken cancellationToken = default) =>
        Convert.ToInt32(await database.ScalarAsync("SELECT COUNT(*) FROM memberships WHERE room_id = @room;", cancellationToken, ("@room", roomId)).ConfigureAwait(false));

    public async Task AddMentionsAsync(string roomId, ulong seq, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        foreach (var userId in userIds)
        {
            await database.ExecuteAsync(
                "INSERT INTO mentions (user_id, room_id, seq) VALUES (@user, @room, @seq) ON CONFLICT DO NOTHING;",
                cancellationToken, ("@user", userId), ("@room", roomId), ("@seq", (long)seq)).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<string>> RoomsOfUserAsync(string userId, CancellationToken cancellationToken = default) =>
        await database.QueryAsync("SELECT room_id FROM memberships WHERE user_id = @user;", reader => reader.GetString(0), cancellationToken, ("@user", userId))
            .ConfigureAwait(false);

    public async Task<ulong> SetReadMarkerAsync(string roomId, string userId, ulong seq, CancellationToken cancellationToken = default)
    {
        // CASE rather than MAX(a, b)/GREATEST: the one spelling both engines accept.
        var stored = await database.ScalarAsync(
            """
            UPDATE memberships SET read_seq = CASE WHEN read_seq < @seq THEN @seq ELSE read_seq END
            WHERE room_id = @room AND user_id = @user
            RETURNING read_seq;
            """,
            cancellationToken, ("@room", roomId), ("@user", userId), ("@seq", (long)seq)).ConfigureAwait(false);
        return stored is null ? 0 : Convert.ToUInt64(stored);
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken = default) =>
        Convert.ToInt32(await database.ScalarAsync("SELECT COUNT(*) FROM rooms;", cancellationToken).ConfigureAwait(false));

    private static RoomRecord ReadRoom(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), (RoomKind)reader.GetInt32(2), reader.GetString(3), reader.FromMillis(4));

    private static RoomListing ReadListing(DbDataReader reader) => new(
        ReadRoom(reader), (ulong)reader.GetInt64(5), (ulong)reader.GetInt64(6), reader.GetInt32(7), reader.GetBoolean(8), reader.GetInt32(9));
}
