using Microsoft.Data.Sqlite;

namespace ChatService.Storage;

/// <summary>
/// One long-lived connection and the commands it has run, each keeping its compiled statement. A
/// fresh command per query would make SQLite parse and plan the same SQL every time, which
/// profiling showed to be most of SQLite's share of connecting and joining.
/// </summary>
internal sealed class SqliteStatementCache(SqliteConnection connection) : IDisposable
{
    // The store's SQL is a fixed set of texts; the bound only matters if some caller ever builds SQL from data.
    private const int MaxStatements = 128;

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            if (_commands.Count >= MaxStatements)
            {
                DisposeCommands();
            }

            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public void Dispose()
    {
        DisposeCommands();
        connection.Dispose();
    }

    private void DisposeCommands()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }
}
