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

    public async Task StoreRefreshTokenAsync(byte[] tokenHash, string userId, string family, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        await database.ExecuteAsync(
            "INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at) VALUES (@hash, @user, @family, @expires);",
            cancellationToken, ("@hash", tokenHash), ("@user", userId), ("@family", family), ("@expires", expiresAt.Millis())).ConfigureAwait(false);
        // Used tokens stay until they expire, so a copy replayed later is still recognised; then they can go.
        await database.ExecuteAsync(
            "DELETE FROM refresh_tokens WHERE user_id = @user AND expires_at < @now;",
            cancellationToken, ("@user", userId), ("@now", DateTimeOffset.UtcNow.Millis())).ConfigureAwait(false);
    }

    public async Task<RefreshTokenUse> UseRefreshTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // Only the first use finds used_at empty, so two racing uses cannot both succeed.
        var first = await database.QueryAsync(
            "UPDATE refresh_tokens SET used_at = @now WHERE token_hash = @hash AND used_at IS NULL RETURNING user_id, family, expires_at;",
            ReadUse, cancellationToken, ("@hash", tokenHash), ("@now", now.Millis())).ConfigureAwait(false);
        if (first is [var token])
        {
            return token.ExpiresAt > now.Millis() ? token.Use with { State = RefreshTokenState.Valid } : token.Use with { State = RefreshTokenState.Expired };
        }

        var again = await RevokeRefreshFamilyAsync(tokenHash, cancellationToken).ConfigureAwait(false);
        return again is null ? new RefreshTokenUse(RefreshTokenState.Unknown) : again with { State = RefreshTokenState.Reused };
    }

    public async Task<RefreshTokenUse?> RevokeRefreshFamilyAsync(byte[] tokenHash, CancellationToken cancellationToken = default)
    {
        var known = await database.QueryAsync(
            "SELECT user_id, family, expires_at FROM refresh_tokens WHERE token_hash = @hash;", ReadUse, cancellationToken, ("@hash", tokenHash)).ConfigureAwait(false);
        if (known is not [var token])
        {
            return null;
        }

        await database.ExecuteAsync("DELETE FROM refresh_tokens WHERE family = @family;", cancellationToken, ("@family", token.Use.Family)).ConfigureAwait(false);
        return token.Use;
    }

    private static (RefreshTokenUse Use, long ExpiresAt) ReadUse(DbDataReader reader) =>
        (new RefreshTokenUse(RefreshTokenState.Valid, reader.GetString(0), reader.GetString(1)), reader.GetInt64(2));

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
