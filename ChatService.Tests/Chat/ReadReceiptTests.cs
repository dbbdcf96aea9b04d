using ChatGrpc.Contracts.V1;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Chat;

/// <summary>Read receipts ("seen by") from the stored read markers (SQLite; Postgres when CHAT_TEST_STORE=postgres).</summary>
[TestClass]
public sealed class ReadReceiptTests
{
    [TestMethod]
    public async Task MarkRead_SmallRoom_RoomHearsItAndALaterJoinGetsEveryonesPosition()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var carol = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice, RoomKind.Private, bob.Name, carol.Name);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await using var b = await server.ConnectAndJoinAsync(bob, room);
        for (var i = 1; i <= 3; i++)
        {
            await a.SendAsync(room, $"message {i}");
        }

        await MarkReadAsync(b, room, 2);
        var heard = (await a.WaitForAsync(f => f.ReadReceipt is not null)).ReadReceipt;
        await MarkReadAsync(a, room, 3);
        await using var c = await server.ConnectAsync(carol);
        var joined = await c.JoinAsync(room);

        Assert.AreEqual((room, bob.User.Id, bob.Name, 2UL), (heard.Room, heard.UserId, heard.UserName, heard.Seq));
        CollectionAssert.AreEquivalent(
            new[] { $"{alice.Name}@3", $"{bob.Name}@2" },
            joined.ReadReceipts.Select(r => $"{r.UserName}@{r.Seq}").ToArray(),
            "every member who read anything, with how far; carol read nothing yet");
    }

    [TestMethod]
    public async Task MarkRead_ManyMovesInOneInterval_RoomHearsTheFirstAndThenTheNewestOnly()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Chat:ReadReceiptInterval"] = "00:00:02" }, time);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await using var b = await server.ConnectAndJoinAsync(bob, room);
        for (var i = 1; i <= 5; i++)
        {
            await a.SendAsync(room, $"message {i}");
        }

        for (ulong seq = 1; seq <= 5; seq++)
        {
            await MarkReadAsync(b, room, seq);
        }

        await a.WaitForAsync(f => f.ReadReceipt?.Seq == 1);
        time.Advance(TimeSpan.FromSeconds(2));
        await a.WaitForAsync(f => f.ReadReceipt?.Seq == 5);
        await MarkReadAsync(b, room, 5);
        var ping = await a.SendFrameAsync(new ClientFrame { Ping = new Ping() });
        await a.ReplyAsync(ping);

        CollectionAssert.AreEqual(new ulong[] { 1, 5, 5 }, a.Frames.Where(f => f.ReadReceipt is not null).Select(f => f.ReadReceipt.Seq).ToArray(),
            "the first move at once, the newest when the interval ends, then a new interval");
    }

    [TestMethod]
    public async Task Join_RoomLargerThanTheReceiptSize_NoReceiptsAndNoFrames()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Chat:ReadReceiptsMaxMembers"] = "1" });
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await using var b = await server.ConnectAsync(bob);
        await b.JoinAsync(room);
        await a.SendAsync(room, "hello");
        await MarkReadAsync(b, room, 1);
        await MarkReadAsync(a, room, 1);

        var again = await b.JoinAsync(room);
        var ping = await a.SendFrameAsync(new ClientFrame { Ping = new Ping() });
        await a.ReplyAsync(ping);

        Assert.IsEmpty(again.ReadReceipts);
        Assert.IsFalse(a.Frames.Any(f => f.ReadReceipt is not null), "a room of two is over a size of one");
    }

    private static async Task MarkReadAsync(ChatConnection connection, string room, ulong seq)
    {
        var reply = await connection.ReplyAsync(await connection.SendFrameAsync(new ClientFrame { MarkRead = new MarkReadRequest { Room = room, Seq = seq } }));
        Assert.AreEqual(ServerFrame.FrameOneofCase.ReadMarker, reply.FrameCase, reply.ToString());
    }
}
