using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using Grpc.Core;
using Microsoft.Data.Sqlite;

namespace ChatService.Tests.Storage;

/// <summary>
/// Faults injected below the store, in SQLite itself: a trigger that aborts the insert makes the real
/// group commit fail, as a corrupt page or an I/O error would, with no fake in the server.
/// </summary>
[TestClass]
public sealed class InjectedFaultTests
{
    [TestMethod]
    public async Task Send_CommitFailsInSqlite_UnavailableThenGaplessSeqsAndNothingAckedLost()
    {
        if (ChatServerHost.UsePostgres)
        {
            Assert.Inconclusive("A SQLite trigger injects this fault; the Postgres store has its own cluster tests.");
        }

        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var before = await a.SendAsync(room, "before");

        Execute(server, "CREATE TRIGGER injected_failure BEFORE INSERT ON messages WHEN NEW.text = 'poison' BEGIN SELECT RAISE(ABORT, 'injected commit failure'); END;");
        var failed = await a.SendRawAsync(room, "poison", "cmid-poison");
        var after = await a.SendAsync(room, "after");
        Execute(server, "DROP TRIGGER injected_failure;");
        var retried = await a.SendAsync(room, "poison", "cmid-poison");
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual((int)StatusCode.Unavailable, failed.Error.Code, failed.ToString());
        StringAssert.Contains(failed.Error.Message, "Retry with the same client_msg_id");
        CollectionAssert.AreEqual(new ulong[] { 1, 2, 3 }, new[] { before.Seq, after.Seq, retried.Seq }, "the failed commit left no gap");
        Assert.IsFalse(retried.Duplicate, "the failed message was never stored, so its retry is new");
        CollectionAssert.AreEqual(new[] { "before", "after", "poison" }, history.Messages.Select(m => m.Text).ToArray());
        CollectionAssert.AreEqual(new ulong[] { 1, 2, 3 }, history.Messages.Select(m => m.Seq).ToArray());
    }

    private static void Execute(ChatServerHost server, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "chat.db")};Pooling=False;Default Timeout=10");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
