using ChatService.Observability;
using ChatService.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatService.Tests.Storage;

/// <summary>The embedded store on a real SQLite file: connection settings and the idempotency lookup every send makes.</summary>
[TestClass]
public sealed class SqliteStorageTests : StoreFolderTest
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    [TestMethod]
    public async Task OpenAsync_FreshAndReusedPooledConnections_NormalSyncAndBusyTimeout()
    {
        using var database = new SqliteDatabase(new StorageOptions { DataDirectory = Folder });

        // Held open together, so the pool must create fresh handles beside the one migration used;
        // the second round gets the same handles back from the pool.
        for (var round = 0; round < 2; round++)
        {
            var connections = new List<Microsoft.Data.Sqlite.SqliteConnection>();
            for (var i = 0; i < 4; i++)
            {
                connections.Add(await database.OpenAsync().WaitAsync(Timeout));
            }

            foreach (var connection in connections)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA synchronous;";
                var synchronous = Convert.ToInt32(await command.ExecuteScalarAsync().WaitAsync(Timeout));
                command.CommandText = "PRAGMA busy_timeout;";
                var busyTimeout = Convert.ToInt32(await command.ExecuteScalarAsync().WaitAsync(Timeout));

                Assert.AreEqual(1, synchronous, $"round {round}: synchronous should be NORMAL (1), not FULL (2)");
                Assert.AreEqual(30000, busyTimeout, $"round {round}");
            }

            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [TestMethod]
    public async Task FindByClientMsgIdAsync_ConcurrentLookupsOfStoredAndUnknownIds_EachAnsweredCorrectly()
    {
        using var database = new SqliteDatabase(new StorageOptions { DataDirectory = Folder });
        using var metrics = new ChatMetrics();
        await using var store = new SqliteMessageStore(database, new StorageOptions { DataDirectory = Folder }, metrics, NullLogger<SqliteMessageStore>.Instance);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        for (var seq = 1UL; seq <= 20; seq++)
        {
            var message = new StoredMessage("lobby", seq, $"id-{seq}", $"user-{seq % 4}", "someone", $"cmid-{seq}", $"text {seq}", now, null);
            await store.AppendAsync(message, store.Generation, _ => { }).WaitAsync(Timeout);
        }

        var lookups = Enumerable.Range(1, 200).Select(i => Task.Run(async () =>
        {
            var seq = (ulong)(i % 20 + 1);
            var found = await store.FindByClientMsgIdAsync($"user-{seq % 4}", $"cmid-{seq}");
            var wrongSender = await store.FindByClientMsgIdAsync($"user-{(seq + 1) % 4}", $"cmid-{seq}");
            return (seq, found, wrongSender);
        }));
        var results = await Task.WhenAll(lookups).WaitAsync(Timeout);

        foreach (var (seq, found, wrongSender) in results)
        {
            Assert.IsNotNull(found, $"cmid-{seq} was stored");
            Assert.AreEqual(seq, found.Seq);
            Assert.AreEqual($"text {seq}", found.Text);
            Assert.IsNull(wrongSender, "the key is (sender, client_msg_id), not client_msg_id alone");
        }
    }

    [TestMethod]
    public async Task RunAsync_OneSqlManyValuesAndAFailedStatement_EveryCallBindsItsOwnValues()
    {
        using var database = new SqliteDatabase(new StorageOptions { DataDirectory = Folder });
        const string insert = "INSERT INTO meta (key, value) VALUES (@key, @value);";
        const string select = "SELECT value FROM meta WHERE key = @key;";
        for (var i = 0; i < 40; i++)
        {
            await database.ExecuteAsync(insert, CancellationToken.None, ("@key", $"k{i}"), ("@value", $"v{i}")).WaitAsync(Timeout);
        }

        var clash = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(
            () => database.ExecuteAsync(insert, CancellationToken.None, ("@key", "k7"), ("@value", "again")).WaitAsync(Timeout));
        var reads = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => database.ScalarAsync(select, CancellationToken.None, ("@key", $"k{i}")))))
            .WaitAsync(Timeout);
        var missing = await database.ScalarAsync(select, CancellationToken.None, ("@key", "absent")).WaitAsync(Timeout);

        Assert.IsTrue(database.IsUniqueViolation(clash));
        CollectionAssert.AreEqual(Enumerable.Range(0, 40).Select(i => (object)$"v{i}").ToArray(), reads);
        Assert.IsNull(missing);
    }
}
