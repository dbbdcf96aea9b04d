using ChatGrpc.Contracts.V1;
using Microsoft.Data.Sqlite;

namespace ChatService.Storage;

public sealed class SqliteUserStore(SqliteDatabase database) : IUserStore
{
    private const string Columns = "id, name, role, password_hash, password_salt, iterations, last_seen";
    private const int SqliteConstraint = 19;

    public Task<UserRecord?> FindByNameAsync(string name, CancellationToken cancellationToken = default) =>
        FindAsync("name_key = $value", NameKey(name), cancellationToken);

    public Task<UserRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default) =>
        FindAsync("id = $value", id, cancellationToken);

    public async Task<UserRecord> CreateAsync(string name, byte[] passwordHash, byte[] salt, int iterations, Role role, CancellationToken cancellationToken = default)
    {
        var user = new UserRecord(Guid.NewGuid().ToString("N"), name, role, passwordHash, salt, iterations, null);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO users (id, name, name_key, password_hash, password_salt, iterations, role, created_at)
            VALUES ($id, $name, $key, $hash, $salt, $iterations, $role, $now);
            """;
        command.Parameters.AddWithValue("$id", user.Id);
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$key", NameKey(name));
        command.Parameters.AddWithValue("$hash", passwordHash);
        command.Parameters.AddWithValue("$salt", salt);
        command.Parameters.AddWithValue("$iterations", iterations);
        command.Parameters.AddWithValue("$role", (int)role);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
        {
            throw new DuplicateException($"The user name '{name}' is taken.");
        }

        return user;
    }

    public async Task<UserRecord?> SetRoleAsync(string name, Role role, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE users SET role = $role WHERE name_key = $key RETURNING {Columns};";
        command.Parameters.AddWithValue("$role", (int)role);
        command.Parameters.AddWithValue("$key", NameKey(name));
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> CountWithRoleAsync(Role role, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM users WHERE role = $role;";
        command.Parameters.AddWithValue("$role", (int)role);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    public async Task SetLastSeenAsync(string userId, DateTimeOffset lastSeen, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE users SET last_seen = $at WHERE id = $id;";
        command.Parameters.AddWithValue("$at", lastSeen.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$id", userId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StoreRefreshTokenAsync(byte[] tokenHash, string userId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO refresh_tokens (token_hash, user_id, expires_at) VALUES ($hash, $user, $expires);";
        command.Parameters.AddWithValue("$hash", tokenHash);
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$expires", expiresAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> ConsumeRefreshTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM refresh_tokens WHERE token_hash = $hash RETURNING user_id, expires_at;";
        command.Parameters.AddWithValue("$hash", tokenHash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return reader.GetInt64(1) > now.ToUnixTimeMilliseconds() ? reader.GetString(0) : null;
    }

    internal static string NameKey(string name) => name.ToLowerInvariant();

    private async Task<UserRecord?> FindAsync(string where, string value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM users WHERE {where};";
        command.Parameters.AddWithValue("$value", value);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    internal static UserRecord ReadUser(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        (Role)reader.GetInt32(2),
        (byte[])reader[3],
        (byte[])reader[4],
        reader.GetInt32(5),
        reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)));

    private static async Task<UserRecord?> ReadOneAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadUser(reader) : null;
    }
}
