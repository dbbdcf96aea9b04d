using System.Data.Common;
using ChatGrpc.Contracts.V1;

namespace ChatService.Storage;

/// <summary>Accounts and refresh tokens, on SQLite or Postgres.</summary>
public sealed class SqlUserStore(ISqlDatabase database) : IUserStore
{
    internal const string Columns = "id, name, role, password_hash, password_salt, iterations, last_seen";

    public Task<UserRecord?> FindByNameAsync(string name, CancellationToken cancellationToken = default) =>
        database.QuerySingleAsync($"SELECT {Columns} FROM users WHERE name_key = @key;", ReadUser, cancellationToken, ("@key", NameKey(name)));

    public Task<UserRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default) =>
        database.QuerySingleAsync($"SELECT {Columns} FROM users WHERE id = @id;", ReadUser, cancellationToken, ("@id", id));

    public async Task<UserRecord> CreateAsync(string name, byte[] passwordHash, byte[] salt, int iterations, Role role, CancellationToken cancellationToken = default)
    {
        var user = new UserRecord(Guid.NewGuid().ToString("N"), name, role, passwordHash, salt, iterations, null);
        try
        {
            await database.ExecuteAsync(
                """
                INSERT INTO users (id, name, name_key, password_hash, password_salt, iterations, role, created_at)
                VALUES (@id, @name, @key, @hash, @salt, @iterations, @role, @now);
                """,
                cancellationToken,
                ("@id", user.Id), ("@name", name), ("@key", NameKey(name)), ("@hash", passwordHash), ("@salt", salt),
                ("@iterations", iterations), ("@role", (int)role), ("@now", DateTimeOffset.UtcNow.Millis())).ConfigureAwait(false);
        }
        catch (DbException ex) when (database.IsUniqueViolation(ex))
        {
            throw new DuplicateException($"The user name '{name}' is taken.");
        }

        return user;
    }

    public Task<UserRecord?> SetRoleAsync(string name, Role role, CancellationToken cancellationToken = default) =>
        database.QuerySingleAsync(
            $"UPDATE users SET role = @role WHERE name_key = @key RETURNING {Columns};", ReadUser, cancellationToken, ("@role", (int)role), ("@key", NameKey(name)));

    public async Task<int> CountWithRoleAsync(Role role, CancellationToken cancellationToken = default) =>
        Convert.ToInt32(await database.ScalarAsync("SELECT COUNT(*) FROM users WHERE role = @role;", cancellationToken, ("@role", (int)role)).ConfigureAwait(false));

    public Task SetLastSeenAsync(string userId, DateTimeOffset lastSeen, CancellationToken cancellationToken = default) =>
        database.ExecuteAsync("UPDATE users SET last_seen = @at WHERE id = @id;", cancellationToken, ("@at", lastSeen.Millis()), ("@id", userId));

    public Task StoreRefreshTokenAsync(byte[] tokenHash, string userId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        database.ExecuteAsync(
            "INSERT INTO refresh_tokens (token_hash, user_id, expires_at) VALUES (@hash, @user, @expires);",
            cancellationToken, ("@hash", tokenHash), ("@user", userId), ("@expires", expiresAt.Millis()));

    public async Task<string?> ConsumeRefreshTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var consumed = await database.QueryAsync(
            "DELETE FROM refresh_tokens WHERE token_hash = @hash RETURNING user_id, expires_at;",
            reader => (UserId: reader.GetString(0), ExpiresAt: reader.GetInt64(1)), cancellationToken, ("@hash", tokenHash)).ConfigureAwait(false);
        return consumed is [var token] && token.ExpiresAt > now.Millis() ? token.UserId : null;
    }

    internal static string NameKey(string name) => name.ToLowerInvariant();

    internal static UserRecord ReadUser(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        (Role)reader.GetInt32(2),
        (byte[])reader[3],
        (byte[])reader[4],
        reader.GetInt32(5),
        reader.IsDBNull(6) ? null : reader.FromMillis(6));
}
