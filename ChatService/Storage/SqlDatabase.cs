using System.Data.Common;

namespace ChatService.Storage;

/// <summary>
/// What the portable stores need from a database engine: pooled connections, the store epoch and how
/// the engine reports a unique-key clash. SQL in the stores is the subset SQLite and Postgres share
/// (named @parameters, RETURNING, ON CONFLICT, times as Unix milliseconds).
/// </summary>
public interface ISqlDatabase
{
    /// <summary>A random id fixed when the database was created; changes only if the data is replaced.</summary>
    string Epoch { get; }

    Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);

    bool IsUniqueViolation(DbException exception);

    /// <summary>Runs one statement outside any transaction. By default on a connection opened for it; an engine may keep statements prepared.</summary>
    async Task<T> RunAsync<T>(string sql, (string Name, object? Value)[] parameters, Func<DbCommand, CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(sql, parameters);
        return await run(command, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>One-statement helpers, so each store method reads as its SQL and its mapping.</summary>
internal static class SqlDatabaseExtensions
{
    public static Task<List<T>> QueryAsync<T>(
        this ISqlDatabase database, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.RunAsync(sql, parameters, (command, token) => command.ReadAllAsync(read, token), cancellationToken);

    public static async Task<T?> QuerySingleAsync<T>(
        this ISqlDatabase database, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
        where T : class =>
        (await database.QueryAsync(sql, read, cancellationToken, parameters).ConfigureAwait(false)).FirstOrDefault();

    public static Task<int> ExecuteAsync(
        this ISqlDatabase database, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.RunAsync(sql, parameters, (command, token) => command.ExecuteNonQueryAsync(token), cancellationToken);

    public static async Task<object?> ScalarAsync(
        this ISqlDatabase database, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var value = await database.RunAsync(sql, parameters, (command, token) => command.ExecuteScalarAsync(token), cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    public static DbCommand Command(this DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(command.Parameter(name, value));
        }

        return command;
    }

    public static DbParameter Parameter(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        return parameter;
    }

    public static async Task<List<T>> ReadAllAsync<T>(this DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public static long Millis(this DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMillis(this DbDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
