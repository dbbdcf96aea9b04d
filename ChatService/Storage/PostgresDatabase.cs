using System.Data.Common;
using System.Security.Cryptography;
using Npgsql;

namespace ChatService.Storage;

/// <summary>
/// The shared Postgres database of a cluster: a pooled data source, schema migrations on start
/// (serialized across nodes by an advisory lock, so nodes may start together), and the values every
/// node must agree on: the store epoch and, unless configured, the token signing key.
/// </summary>
public sealed class PostgresDatabase : ISqlDatabase, IAsyncDisposable
{
    private const string UniqueViolation = "23505";
    private const long MigrationLockId = 0x43686174_4772_7063; // any constant shared by every node

    public PostgresDatabase(StorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new InvalidOperationException(
                "Storage:Provider is Postgres but Storage:ConnectionString is empty. Set it, for example CHAT_Storage__ConnectionString=\"Host=db;Username=chat;Password=...;Database=chat\".");
        }

        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        if (!options.ConnectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            // The stores run a few dozen fixed statements over and over: prepared once per connection, Postgres skips parse and plan.
            builder.MaxAutoPrepare = 32;
        }
        ConnectionString = builder.ConnectionString;
        DataSource = NpgsqlDataSource.Create(builder);
        Migrate();
        Epoch = SharedValue("epoch", () => Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant());
    }

    public string Epoch { get; }

    public NpgsqlDataSource DataSource { get; }

    public string ConnectionString { get; }

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public bool IsUniqueViolation(DbException exception) => exception is PostgresException { SqlState: UniqueViolation };

    /// <summary>A value the first node to ask creates and every later one reads.</summary>
    public string SharedValue(string key, Func<string> create)
    {
        using var connection = DataSource.OpenConnection();
        using (var insert = connection.Command("INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO NOTHING;", ("@key", key), ("@value", create())))
        {
            insert.ExecuteNonQuery();
        }

        using var select = connection.Command("SELECT value FROM meta WHERE key = @key;", ("@key", key));
        return (string)select.ExecuteScalar()!;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    private void Migrate()
    {
        using var connection = DataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockId});");
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL);");
        using (var read = connection.Command("SELECT MAX(version) FROM schema_version;"))
        {
            read.Transaction = transaction;
            var version = read.ExecuteScalar() is int applied ? applied : 0;
            for (var next = version; next < PostgresSchema.Migrations.Count; next++)
            {
                Execute(connection, transaction, PostgresSchema.Migrations[next]);
                Execute(connection, transaction, $"INSERT INTO schema_version (version) VALUES ({next + 1});");
            }
        }

        transaction.Commit();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}

/// <summary>
/// Schema versions for Postgres, applied in order; append only. Same tables and columns as the
/// SQLite schema (times as Unix milliseconds) so the stores share their SQL, plus what a cluster
/// needs: each room's seq counter, presence leases, and bodies of oversized signals.
/// </summary>
internal static class PostgresSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE users (
            id text PRIMARY KEY,
            name text NOT NULL,
            name_key text NOT NULL UNIQUE,
            password_hash bytea NOT NULL,
            password_salt bytea NOT NULL,
            iterations integer NOT NULL,
            role integer NOT NULL,
            created_at bigint NOT NULL,
            last_seen bigint);
        CREATE TABLE refresh_tokens (
            token_hash bytea PRIMARY KEY,
            user_id text NOT NULL,
            expires_at bigint NOT NULL);
        CREATE TABLE rooms (
            id text PRIMARY KEY,
            title text NOT NULL,
            kind integer NOT NULL,
            created_by text NOT NULL,
            created_at bigint NOT NULL,
            last_seq bigint NOT NULL DEFAULT 0);
        CREATE TABLE memberships (
            room_id text NOT NULL,
            user_id text NOT NULL,
            joined_at bigint NOT NULL,
            read_seq bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (room_id, user_id));
        CREATE INDEX memberships_by_user ON memberships (user_id);
        CREATE TABLE messages (
            room_id text NOT NULL,
            seq bigint NOT NULL,
            id text NOT NULL,
            sender_id text NOT NULL,
            sender_name text NOT NULL,
            client_msg_id text NOT NULL,
            text text NOT NULL,
            sent_at bigint NOT NULL,
            deleted_by text,
            PRIMARY KEY (room_id, seq));
        CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_msg_id);
        CREATE TABLE presence_leases (
            user_id text NOT NULL,
            node_id text NOT NULL,
            status integer NOT NULL,
            status_text text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (user_id, node_id));
        CREATE INDEX presence_leases_by_node ON presence_leases (node_id);
        CREATE TABLE cluster_signals (
            id bigserial PRIMARY KEY,
            payload text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now());
        """,
        // Refresh-token families, as in the SQLite schema's second version.
        """
        ALTER TABLE refresh_tokens ADD COLUMN family text NOT NULL DEFAULT '';
        ALTER TABLE refresh_tokens ADD COLUMN used_at bigint;
        UPDATE refresh_tokens SET family = encode(token_hash, 'hex');
        CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);
        CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id, expires_at);
        """,
        // The webhook outbox, as in the SQLite schema's third version.
        """
        CREATE TABLE webhook_outbox (
            event_id text NOT NULL,
            endpoint text NOT NULL,
            kind text NOT NULL,
            body text NOT NULL,
            created_at bigint NOT NULL,
            attempts integer NOT NULL,
            next_attempt_at bigint NOT NULL,
            PRIMARY KEY (event_id, endpoint));
        CREATE INDEX webhook_outbox_due ON webhook_outbox (endpoint, next_attempt_at);
        """,
        // Each node's latest figures for the admin dashboard (a serialized chat.v1.NodeStats).
        """
        CREATE TABLE node_stats (
            node_id text PRIMARY KEY,
            stats bytea NOT NULL,
            reported_at bigint NOT NULL);
        """,
        // Which nodes hold a subscription of a user to a room, so member events are told once for the cluster.
        // chat_attend records this node's state and returns 1 (the user is now in the room and was nowhere),
        // -1 (was somewhere, now nowhere) or 0; the advisory lock makes concurrent calls for one pair take turns,
        // and each statement after it sees what the previous holder committed.
        """
        CREATE TABLE room_attendance (
            room_id text NOT NULL,
            user_id text NOT NULL,
            node_id text NOT NULL,
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (room_id, user_id, node_id));
        CREATE INDEX room_attendance_by_node ON room_attendance (node_id);
        CREATE FUNCTION chat_attend(p_room text, p_user text, p_node text, p_lease double precision, p_here boolean)
        RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE
            was_anywhere boolean;
            is_anywhere boolean;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended(p_room || '/' || p_user, 0));
            SELECT EXISTS (SELECT 1 FROM room_attendance WHERE room_id = p_room AND user_id = p_user AND expires_at > now()) INTO was_anywhere;
            IF p_here THEN
                INSERT INTO room_attendance VALUES (p_room, p_user, p_node, now() + make_interval(secs => p_lease))
                ON CONFLICT (room_id, user_id, node_id) DO UPDATE SET expires_at = excluded.expires_at;
            ELSE
                DELETE FROM room_attendance WHERE room_id = p_room AND user_id = p_user AND node_id = p_node;
            END IF;
            SELECT EXISTS (SELECT 1 FROM room_attendance WHERE room_id = p_room AND user_id = p_user AND expires_at > now()) INTO is_anywhere;
            RETURN CASE WHEN is_anywhere = was_anywhere THEN 0 WHEN is_anywhere THEN 1 ELSE -1 END;
        END $$;
        """,
        // Full-text search: a generated tsvector of each message's text (the 'simple' configuration:
        // words as written, no language's stemming, like the SQLite index) behind a GIN index, so a
        // deletion is reflected the moment its row changes.
        """
        ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;
        CREATE INDEX messages_search ON messages USING GIN (search);
        """,
        // Edits and deletions numbered per room, as in the SQLite schema's fifth version.
        """
        ALTER TABLE messages ADD COLUMN edited_at bigint;
        ALTER TABLE messages ADD COLUMN change_no bigint NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN edit_id text;
        CREATE INDEX messages_by_change ON messages (room_id, change_no) WHERE change_no > 0;
        CREATE TABLE room_changes (room_id text PRIMARY KEY, last_change bigint NOT NULL);
        """,
        // Replies, as in the SQLite schema's sixth version.
        """
        ALTER TABLE messages ADD COLUMN reply_to bigint;
        """,
        // @-mentions, as in the SQLite schema's seventh version.
        """
        CREATE TABLE mentions (user_id text NOT NULL, room_id text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (user_id, room_id, seq));
        """,
    ];
}
