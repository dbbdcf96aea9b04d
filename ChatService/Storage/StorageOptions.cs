namespace ChatService.Storage;

/// <summary>Bound from the "Storage" section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Sqlite (embedded, one node) or Postgres (shared by every node of a cluster).</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Npgsql connection string; required when <see cref="Provider"/> is Postgres.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Folder for the embedded database and the generated signing key.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Most messages committed in one transaction.</summary>
    public int MaxCommitBatch { get; set; } = 512;

    /// <summary>
    /// False keeps messages in memory only (lost on restart; the epoch changes so clients reset).
    /// For measuring what persistence costs and for throwaway servers; single-node SQLite only.
    /// </summary>
    public bool PersistMessages { get; set; } = true;

    /// <summary>History kept per room when messages are not persisted.</summary>
    public int InMemoryMessagesPerRoom { get; set; } = 10_000;

    public string DatabasePath => Path.Combine(DataDirectory, "chat.db");
}

public enum StorageProvider
{
    Sqlite,
    Postgres,
}
