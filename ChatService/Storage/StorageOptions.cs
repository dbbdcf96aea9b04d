namespace ChatService.Storage;

/// <summary>Bound from the "Storage" section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Folder for the embedded database and the generated signing key.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Most messages committed in one transaction.</summary>
    public int MaxCommitBatch { get; set; } = 512;

    public string DatabasePath => Path.Combine(DataDirectory, "chat.db");
}
