using ChatGrpc.Contracts.V1;
using Microsoft.Data.Sqlite;

namespace ChatService.Storage;

public sealed class SqliteRoomStore(SqliteDatabase database) : IRoomStore
{
    private const int SqliteConstraint = 19;

    private const string ListingColumns = """
        r.id, r.title, r.kind, r.created_by, r.created_at,
        (SELECT COALESCE(MAX(seq), 0) FROM messages m WHERE m.room_id = r.id),
        COALESCE(me.read_seq, 0),
        (SELECT COUNT(*) FROM memberships c WHERE c.room_id = r.id),
        me.user_id IS NOT NULL
        """;

    public async Task<RoomRecord?> FindAsync(string roomId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, title, kind, created_by, created_at FROM rooms WHERE id = $id;";
        command.Parameters.AddWithValue("$id", roomId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRoom(reader) : null;
    }

    public async Task<RoomRecord> CreateAsync(RoomRecord room, IReadOnlyCollection<string> memberIds, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO rooms (id, title, kind, created_by, created_at) VALUES ($id, $title, $kind, $by, $at);";
            insert.Parameters.AddWithValue("$id", room.Id);
            insert.Parameters.AddWithValue("$title", room.Title);
            insert.Parameters.AddWithValue("$kind", (int)room.Kind);
            insert.Parameters.AddWithValue("$by", room.CreatedBy);
            insert.Parameters.AddWithValue("$at", room.CreatedAt.ToUnixTimeMilliseconds());
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
            {
                throw new DuplicateException($"A room with id '{room.Id}' already exists.");
            }
        }

        foreach (var member in memberIds.Distinct())
        {
            await using var add = connection.CreateCommand();
            add.Transaction = transaction;
            add.CommandText = "INSERT OR IGNORE INTO memberships (room_id, user_id, joined_at) VALUES ($room, $user, $at);";
            add.Parameters.AddWithValue("$room", room.Id);
            add.Parameters.AddWithValue("$user", member);
            add.Parameters.AddWithValue("$at", room.CreatedAt.ToUnixTimeMilliseconds());
            await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return room;
    }

    public async Task<IReadOnlyList<RoomListing>> ListAsync(string userId, bool includePublic, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {ListingColumns}
            FROM rooms r LEFT JOIN memberships me ON me.room_id = r.id AND me.user_id = $user
            WHERE me.user_id IS NOT NULL OR ($public AND r.kind = $publicKind)
            ORDER BY r.id;
            """;
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$public", includePublic);
        command.Parameters.AddWithValue("$publicKind", (int)RoomKind.Public);
        var listings = new List<RoomListing>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            listings.Add(ReadListing(reader));
        }

        return listings;
    }

    public async Task<RoomListing?> GetListingAsync(string roomId, string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {ListingColumns}
            FROM rooms r LEFT JOIN memberships me ON me.room_id = r.id AND me.user_id = $user
            WHERE r.id = $room;
            """;
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$room", roomId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadListing(reader) : null;
    }

    public async Task<bool> IsMemberAsync(string roomId, string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM memberships WHERE room_id = $room AND user_id = $user;";
        command.Parameters.AddWithValue("$room", roomId);
        command.Parameters.AddWithValue("$user", userId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task<bool> AddMemberAsync(string roomId, string userId, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            "INSERT OR IGNORE INTO memberships (room_id, user_id, joined_at) VALUES ($room, $user, $at);",
            roomId, userId, cancellationToken).ConfigureAwait(false) > 0;

    public async Task<bool> RemoveMemberAsync(string roomId, string userId, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("DELETE FROM memberships WHERE room_id = $room AND user_id = $user;", roomId, userId, cancellationToken).ConfigureAwait(false) > 0;

    public async Task<IReadOnlyList<UserRecord>> ListMembersAsync(string roomId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT u.id, u.name, u.role, u.password_hash, u.password_salt, u.iterations, u.last_seen
            FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.room_id = $room ORDER BY u.name_key;
            """;
        command.Parameters.AddWithValue("$room", roomId);
        var members = new List<UserRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            members.Add(SqliteUserStore.ReadUser(reader));
        }

        return members;
    }

    public async Task<IReadOnlyList<string>> RoomsOfUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT room_id FROM memberships WHERE user_id = $user;";
        command.Parameters.AddWithValue("$user", userId);
        var rooms = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rooms.Add(reader.GetString(0));
        }

        return rooms;
    }

    public async Task<ulong> SetReadMarkerAsync(string roomId, string userId, ulong seq, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE memberships SET read_seq = MAX(read_seq, $seq) WHERE room_id = $room AND user_id = $user
            RETURNING read_seq;
            """;
        command.Parameters.AddWithValue("$room", roomId);
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$seq", (long)seq);
        var stored = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return stored is null ? 0 : Convert.ToUInt64(stored);
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM rooms;";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    private async Task<int> ExecuteAsync(string sql, string roomId, string userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$room", roomId);
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static RoomRecord ReadRoom(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), (RoomKind)reader.GetInt32(2), reader.GetString(3),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));

    private static RoomListing ReadListing(SqliteDataReader reader) => new(
        ReadRoom(reader), (ulong)reader.GetInt64(5), (ulong)reader.GetInt64(6), reader.GetInt32(7), reader.GetBoolean(8));
}
