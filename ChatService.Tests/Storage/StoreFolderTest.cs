namespace ChatService.Tests.Storage;

/// <summary>A fresh data folder for each test of a store opened directly, removed afterwards with SQLite's pooled handles.</summary>
public abstract class StoreFolderTest
{
    protected string Folder { get; private set; } = "";

    [TestInitialize]
    public void CreateFolder()
    {
        Folder = Path.Combine(Path.GetTempPath(), "chatgrpc-storage", Guid.NewGuid().ToString("N"));
    }

    [TestCleanup]
    public void DeleteFolder()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
