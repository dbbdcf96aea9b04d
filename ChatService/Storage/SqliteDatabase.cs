using System.Collections.Concurrent;
using System.Data.Common;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace ChatService.Storage;

/// <summary>
/// The embedded SQLite file: WAL journal so readers never block the writer, schema migrations on
/// open, and the store epoch created with the database.
/// </summary>
public sealed class SqliteDatabase : ISqlDatabase, IDisposable
{
    private const int SqliteConstraint = 19;


    private readonly string _connectionString;
    private readonly ConcurrentBag<SqliteStatementCache> _idleStatementCaches = new();
    private int _disposed;

    public SqliteDatabase(StorageOptions options)
    {
        Directory.CreateDirectory(options.DataDirectory);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        Epoch = Migrate();
    }

    public string Epoch { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Per connection: NORMAL is durable in WAL mode across process crashes (not power loss), at a
        // fraction of FULL's fsync cost.
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// A connection for a transaction (one-statement queries use <see cref="RunAsync"/>), with the
    /// same pragmas as every other: without them its commit would fsync (synchronous=FULL), and a
    /// write that meets the message writer's lock would be retried by the driver after a fixed sleep
    /// instead of by SQLite as soon as the lock is free.
    /// </summary>
    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Open());
    }

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenAsync(cancellationToken).ConfigureAwait(false);

    public bool IsUniqueViolation(DbException exception) => exception is SqliteException { SqliteErrorCode: SqliteConstraint };

    /// <summary>
    /// Runs one statement on a connection that keeps its statements compiled: taken from the idle
    /// ones (or opened), used by this caller alone, and put back unless the statement failed.
    /// </summary>
    public async Task<T> RunAsync<T>(string sql, (string Name, object? Value)[] parameters, Func<DbCommand, CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        var statements = _idleStatementCaches.TryTake(out var idle) ? idle : new SqliteStatementCache(OpenForStatements());
        var reusable = false;
        try
        {
            var result = await run(statements.Command(sql, parameters), cancellationToken).ConfigureAwait(false);
            reusable = true;
            return result;
        }
        finally
        {
            if (reusable && Volatile.Read(ref _disposed) == 0)
            {
                _idleStatementCaches.Add(statements);
            }
            else
            {
                statements.Dispose();
            }
        }
    }

    /// <summary>
    /// A small page cache: every commit of the message writer empties a reader's cache anyway (WAL),
    /// and the pages are in the OS's cache, while each of these connections lives as long as the server.
    /// </summary>
    private SqliteConnection OpenForStatements()
    {
        var connection = Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA cache_size=-256;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        while (_idleStatementCaches.TryTake(out var statements))
        {
            statements.Dispose();
        }
    }

    private string Migrate()
    {
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"));
        for (var next = version; next < SchemaMigrations.All.Count; next++)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, SchemaMigrations.All[next], transaction);
            Execute(connection, $"PRAGMA user_version={next + 1};", transaction);
            transaction.Commit();
        }

        var epoch = Scalar(connection, "SELECT value FROM meta WHERE key='epoch';") as string;
        if (epoch is null)
        {
            epoch = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO meta(key, value) VALUES('epoch', $epoch);";
            insert.Parameters.AddWithValue("$epoch", epoch);
            insert.ExecuteNonQuery();
        }

        return epoch;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}

/// <summary>Schema versions, applied in order; PRAGMA user_version records how far a file has come. Append only.</summary>
internal static class SchemaMigrations
{
    public static readonly IReadOnlyList<string> All =
    [
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL UNIQUE,
            password_hash BLOB NOT NULL,
            password_salt BLOB NOT NULL,
            iterations INTEGER NOT NULL,
            role INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            last_seen INTEGER);
        CREATE TABLE refresh_tokens (
            token_hash BLOB PRIMARY KEY,
            user_id TEXT NOT NULL,
            expires_at INTEGER NOT NULL);
        CREATE TABLE rooms (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            kind INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL);
        CREATE TABLE memberships (
            room_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            joined_at INTEGER NOT NULL,
            read_seq INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (room_id, user_id)) WITHOUT ROWID;
        CREATE INDEX memberships_by_user ON memberships(user_id);
        CREATE TABLE messages (
            room_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            id TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            sender_name TEXT NOT NULL,
            client_msg_id TEXT NOT NULL,
            text TEXT NOT NULL,
            sent_at INTEGER NOT NULL,
            deleted_by TEXT,
            PRIMARY KEY (room_id, seq)) WITHOUT ROWID;
        CREATE UNIQUE INDEX messages_by_client_id ON messages(sender_id, client_msg_id);
        """,
        // Refresh-token families: a traded token is kept (used_at) so that its reuse is recognised and revokes its family.
        """
        ALTER TABLE refresh_tokens ADD COLUMN family TEXT NOT NULL DEFAULT '';
        ALTER TABLE refresh_tokens ADD COLUMN used_at INTEGER;
        UPDATE refresh_tokens SET family = lower(hex(token_hash));
        CREATE INDEX refresh_tokens_by_family ON refresh_tokens(family);
        CREATE INDEX refresh_tokens_by_user ON refresh_tokens(user_id, expires_at);
        """,
        // The webhook outbox: one row per event and endpoint until the endpoint has taken it.
        """
        CREATE TABLE webhook_outbox (
            event_id TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            PRIMARY KEY (event_id, endpoint)) WITHOUT ROWID;
        CREATE INDEX webhook_outbox_due ON webhook_outbox(endpoint, next_attempt_at);
        """,
        // Full-text search: an FTS5 index of message text. messages has no rowid, so message_search_ids
        // gives each message the integer key FTS5 rows need; the index holds no copy of the text. A new
        // message only enters message_search_queue in its commit (a plain append), and SqliteSearchIndexer
        // moves the queue into the index in batches: FTS5 work per commit would hold up every send.
        // A change of text (a deletion) updates the index in its own transaction.
        """
        CREATE TABLE message_search_ids (
            id INTEGER PRIMARY KEY,
            room_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            UNIQUE (room_id, seq));
        CREATE VIRTUAL TABLE message_search USING fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
        CREATE TABLE message_search_queue (room_id TEXT NOT NULL, seq INTEGER NOT NULL);
        INSERT INTO message_search_queue (room_id, seq) SELECT room_id, seq FROM messages ORDER BY sent_at;
        CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
            INSERT INTO message_search_queue (room_id, seq) VALUES (new.room_id, new.seq);
        END;
        CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages BEGIN
            DELETE FROM message_search WHERE rowid = (SELECT id FROM message_search_ids WHERE room_id = old.room_id AND seq = old.seq);
            INSERT INTO message_search (rowid, text)
                SELECT id, new.text FROM message_search_ids WHERE room_id = new.room_id AND seq = new.seq AND new.text <> '';
        END;
        CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_search WHERE rowid = (SELECT id FROM message_search_ids WHERE room_id = old.room_id AND seq = old.seq);
            DELETE FROM message_search_ids WHERE room_id = old.room_id AND seq = old.seq;
        END;
        """,
        // Edits and deletions: each is its room's next change (room_changes counts them), and a message
        // records the latest change that touched it, so a resume can ask for the changes it missed.
        """
        ALTER TABLE messages ADD COLUMN edited_at INTEGER;
        ALTER TABLE messages ADD COLUMN change_no INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN edit_id TEXT;
        CREATE INDEX messages_by_change ON messages(room_id, change_no) WHERE change_no > 0;
        CREATE TABLE room_changes (room_id TEXT PRIMARY KEY, last_change INTEGER NOT NULL) WITHOUT ROWID;
        """,
        // Replies: the seq of the message one answers, in the same room; read back joined to it, so a
        // quote shows that message as it is then (edited, deleted).
        """
        ALTER TABLE messages ADD COLUMN reply_to INTEGER;
        """,
        // @-mentions of room members, keyed for one user's unread count per room.
        """
        CREATE TABLE mentions (user_id TEXT NOT NULL, room_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (user_id, room_id, seq)) WITHOUT ROWID;
        """,
    ];
}
