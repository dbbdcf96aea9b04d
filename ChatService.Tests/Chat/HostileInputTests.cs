using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatService.Tests.Chat;

/// <summary>
/// Input meant to hurt whoever reads it: errors quote a short escaped prefix, labels others see refuse
/// control and direction characters, lengths count code points, and idempotency keys name one message.
/// </summary>
[TestClass]
public sealed class HostileInputTests
{
    [TestMethod]
    public async Task Join_HugeRoomIdWithControlCharacters_ShortEscapedError()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        await using var a = await server.ConnectAsync(alice);

        var hostile = "\u001b[2J\u202eroom\r\n" + new string('x', 10_000);
        var reply = await a.ReplyAsync(await a.SendFrameAsync(new ClientFrame { Join = new JoinRequest { Room = hostile } }));

        Assert.AreEqual((int)StatusCode.InvalidArgument, reply.Error.Code);
        Assert.IsTrue(reply.Error.Message.Length < 250, $"{reply.Error.Message.Length} characters");
        Assert.IsFalse(reply.Error.Message.Any(c => char.IsControl(c) || c == '\u202e'), reply.Error.Message);
        StringAssert.Contains(reply.Error.Message, "\\u{001B}[2J\\u{202E}room");
    }

    [TestMethod]
    public async Task CreateRoom_TitleWithDirectionOverride_InvalidArgument()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();

        var refused = await Assert.ThrowsExactlyAsync<RpcException>(() => server.Chat.CreateRoomAsync(
            new CreateRoomRequest { Id = "spoofed", Title = "admin \u202etxt.exe", Kind = RoomKind.Public }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));
        var emoji = await server.Chat.CreateRoomAsync(
            new CreateRoomRequest { Id = "party", Title = string.Concat(Enumerable.Repeat("🎉", 100)), Kind = RoomKind.Public }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual(StatusCode.InvalidArgument, refused.StatusCode);
        StringAssert.Contains(refused.Status.Detail, "U+202E");
        Assert.AreEqual(200, emoji.Room.Title.Length, "100 emoji are 100 code points, within the title limit");
    }

    [TestMethod]
    public async Task SetPresence_StatusTextWithEscape_ErrorFrameAndStreamGoesOn()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);

        var id = await a.SendFrameAsync(new ClientFrame { Presence = new SetPresenceRequest { Status = PresenceStatus.Away, StatusText = "brb\u001b]0;pwned\u0007" } });
        var reply = await a.ReplyAsync(id);
        var ack = await a.SendAsync(room, "still here");

        Assert.AreEqual((int)StatusCode.InvalidArgument, reply.Error.Code);
        Assert.AreEqual(1UL, ack.Seq);
    }

    [TestMethod]
    public async Task Send_TextLimitCountsCodePoints_4000EmojiAcceptedOneMoreRefused()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var emoji = string.Concat(Enumerable.Repeat("😀", 4000));

        var accepted = await a.SendAsync(room, emoji);
        var refused = await a.SendRawAsync(room, emoji + "!");

        Assert.AreEqual(1UL, accepted.Seq);
        Assert.AreEqual((int)StatusCode.InvalidArgument, refused.Error.Code);
        StringAssert.Contains(refused.Error.Message, "4001 characters");
    }

    [TestMethod]
    public async Task Send_SameClientMsgIdOtherText_AlreadyExistsNamingOriginalSeq()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await a.SendAsync(room, "first");

        var original = await a.SendAsync(room, "pay 10", "cmid-pay");
        var retry = await a.SendAsync(room, "pay 10", "cmid-pay");
        var changed = await a.SendRawAsync(room, "pay 1000", "cmid-pay");
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.IsTrue(retry.Duplicate);
        Assert.AreEqual(original.Seq, retry.Seq);
        Assert.AreEqual((int)StatusCode.AlreadyExists, changed.Error.Code);
        Assert.AreEqual("cmid-pay", changed.Error.ClientMsgId);
        StringAssert.Contains(changed.Error.Message, $"#{original.Seq}");
        CollectionAssert.AreEqual(new[] { "first", "pay 10" }, history.Messages.Select(m => m.Text).ToArray());
    }

    [TestMethod]
    public async Task Send_RetriesOfStoredMessage_DoNotSpendSendRate()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Chat:SendRate:PerSecond"] = "0.01",
            ["Chat:SendRate:Burst"] = "2",
        });
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);

        var first = await a.SendAsync(room, "one", "cmid-one");
        var retries = new List<SendAck>();
        for (var i = 0; i < 5; i++)
        {
            retries.Add(await a.SendAsync(room, "one", "cmid-one"));
        }

        var second = await a.SendAsync(room, "two", "cmid-two");
        var limited = await a.SendRawAsync(room, "three", "cmid-three");

        Assert.IsTrue(retries.All(r => r.Duplicate && r.Seq == first.Seq));
        Assert.AreEqual(first.Seq + 1, second.Seq, "the burst of 2 was still there for the second message");
        Assert.AreEqual((int)StatusCode.ResourceExhausted, limited.Error.Code, "the third new message is over the burst");
    }
}
