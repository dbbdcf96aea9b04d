using ChatService.Storage;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Storage;

/// <summary>The webhook outbox's claim on both stores: a real SQLite file and a real Postgres database.</summary>
[TestClass]
public sealed class WebhookStoreTests : StoreFolderTest
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    [TestMethod]
    [DataRow(StorageProvider.Sqlite)]
    [DataRow(StorageProvider.Postgres)]
    public async Task ClaimDueAsync_OlderEventBackingOff_NewerDueEventsWaitBehindIt(StorageProvider provider)
    {
        await using var database = await OpenAsync(provider);
        var store = new SqlWebhookStore(database.Value);
        // "a" failed and waits for its retry; "b" and "c" were recorded after it and are due now.
        await store.AddAsync([Delivery("a", "hook", created: 1, next: Now.AddSeconds(2)), Delivery("b", "hook", created: 2, next: Now), Delivery("c", "hook", created: 3, next: Now)])
            .WaitAsync(Timeout);
        // Another endpoint's queue is its own: nothing of "hook" holds it back.
        await store.AddAsync([Delivery("d", "other", created: 4, next: Now)]).WaitAsync(Timeout);

        var beforeRetry = await store.ClaimDueAsync("hook", Now, Now.AddMinutes(1), 20).WaitAsync(Timeout);
        var other = await store.ClaimDueAsync("other", Now, Now.AddMinutes(1), 20).WaitAsync(Timeout);
        var atRetry = await store.ClaimDueAsync("hook", Now.AddSeconds(2), Now.AddMinutes(1), 20).WaitAsync(Timeout);

        Assert.IsEmpty(beforeRetry, "b and c must not overtake a");
        CollectionAssert.AreEqual(new[] { "d" }, other.Select(d => d.EventId).ToArray());
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, atRetry.Select(d => d.EventId).ToArray(), "oldest first once a is due");
    }

    [TestMethod]
    [DataRow(StorageProvider.Sqlite)]
    [DataRow(StorageProvider.Postgres)]
    public async Task ClaimDueAsync_BatchClaimedByAnotherNode_LaterEventsWaitUntilItIsDone(StorageProvider provider)
    {
        await using var database = await OpenAsync(provider);
        var store = new SqlWebhookStore(database.Value);
        await store.AddAsync([Delivery("a", "hook", created: 1, next: Now), Delivery("b", "hook", created: 2, next: Now)]).WaitAsync(Timeout);
        var first = await store.ClaimDueAsync("hook", Now, Now.AddMinutes(1), limit: 1).WaitAsync(Timeout);
        await store.AddAsync([Delivery("c", "hook", created: 3, next: Now)]).WaitAsync(Timeout);

        var whileClaimed = await store.ClaimDueAsync("hook", Now, Now.AddMinutes(1), 20).WaitAsync(Timeout);
        await store.DeleteAsync(first.Single()).WaitAsync(Timeout);
        var afterDelivered = await store.ClaimDueAsync("hook", Now, Now.AddMinutes(1), 20).WaitAsync(Timeout);

        Assert.AreEqual("a", first.Single().EventId);
        Assert.IsEmpty(whileClaimed, "nothing overtakes a claimed delivery");
        CollectionAssert.AreEqual(new[] { "b", "c" }, afterDelivered.Select(d => d.EventId).ToArray());
    }

    private static WebhookDelivery Delivery(string id, string endpoint, long created, DateTimeOffset next) =>
        new(id, endpoint, "message.stored", "{}", Now.AddMilliseconds(created - 10), 0, next);

    private async Task<OwnedDatabase> OpenAsync(StorageProvider provider)
    {
        if (provider == StorageProvider.Sqlite)
        {
            var sqlite = new SqliteDatabase(new StorageOptions { DataDirectory = Folder });
            return new OwnedDatabase(sqlite, () => sqlite.Dispose());
        }

        var connectionString = await PostgresServer.DatabaseAsync("w" + Path.GetFileName(Folder)[..20]).WaitAsync(Timeout);
        var postgres = new PostgresDatabase(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = connectionString });
        return new OwnedDatabase(postgres, () => postgres.DisposeAsync().AsTask().Wait(Timeout));
    }

    private sealed class OwnedDatabase(ISqlDatabase value, Action dispose) : IAsyncDisposable
    {
        public ISqlDatabase Value => value;

        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
