using ChatGrpc.Contracts.V1;
using ChatService.Chat;

namespace ChatService.Tests.Domain;

/// <summary>Sending, idempotency and resume through the engine, with no stream: what every transport relies on.</summary>
[TestClass]
public sealed class ChatEngineTests
{
    [TestMethod]
    public async Task SendAsync_SameClientMsgIdTwice_OneMessageAndTheRetryIsMarkedDuplicate()
    {
        await using var domain = ChatDomain.Create();
        var (alice, bob, room) = await domain.TwoInARoomAsync();
        var aliceView = await domain.OpenInAsync(alice, room);
        var bobView = await domain.OpenInAsync(bob, room);
        var send = new SendRequest { Room = room, Text = "hello", ClientMsgId = "m-1" };

        var first = await domain.Engine.SendAsync(aliceView.Session, send).WaitAsync(ChatDomain.Timeout);
        var retry = await domain.Engine.SendAsync(aliceView.Session, send).WaitAsync(ChatDomain.Timeout);
        await domain.Engine.SendAsync(aliceView.Session, new SendRequest { Room = room, Text = "next", ClientMsgId = "m-2" }).WaitAsync(ChatDomain.Timeout);
        await bobView.WaitForAsync(f => f.Message?.Text == "next", "the next message");

        Assert.IsFalse(first.Duplicate);
        Assert.IsTrue(retry.Duplicate);
        Assert.AreEqual(first.Seq, retry.Seq);
        Assert.AreEqual(first.Id, retry.Id);
        CollectionAssert.AreEqual(new[] { "hello", "next" }, bobView.Seen.Where(f => f.Message is not null).Select(f => f.Message.Text).ToList(), "the retry is not delivered again");
    }

    [TestMethod]
    public async Task SendAsync_SameClientMsgIdOtherText_AlreadyExistsAndTheFirstTextStands()
    {
        await using var domain = ChatDomain.Create();
        var (alice, _, room) = await domain.TwoInARoomAsync();
        var aliceView = await domain.OpenInAsync(alice, room);
        var first = await domain.Engine.SendAsync(aliceView.Session, new SendRequest { Room = room, Text = "one", ClientMsgId = "m-1" }).WaitAsync(ChatDomain.Timeout);

        var error = await Assert.ThrowsExactlyAsync<ChatException>(
            () => domain.Engine.SendAsync(aliceView.Session, new SendRequest { Room = room, Text = "two", ClientMsgId = "m-1" }).WaitAsync(ChatDomain.Timeout));

        Assert.AreEqual(ChatErrorCode.AlreadyExists, error.Code);
        StringAssert.Contains(error.Message, $"#{first.Seq}");
        var history = await domain.Get<RoomDirectory>().HistoryAsync(alice, new HistoryRequest { Room = room, Limit = 10 }).WaitAsync(ChatDomain.Timeout);
        CollectionAssert.AreEqual(new[] { "one" }, history.Messages.Select(m => m.Text).ToList());
    }

    [TestMethod]
    [DataRow("", "some text", ChatErrorCode.InvalidArgument, "client_msg_id")]
    [DataRow("m-1", "   ", ChatErrorCode.InvalidArgument, "needs some text")]
    public async Task SendAsync_BadRequest_RefusedWithAReadableReason(string clientMsgId, string text, ChatErrorCode code, string says)
    {
        await using var domain = ChatDomain.Create();
        var (alice, _, room) = await domain.TwoInARoomAsync();
        var aliceView = await domain.OpenInAsync(alice, room);

        var error = await Assert.ThrowsExactlyAsync<ChatException>(
            () => domain.Engine.SendAsync(aliceView.Session, new SendRequest { Room = room, Text = text, ClientMsgId = clientMsgId }).WaitAsync(ChatDomain.Timeout));

        Assert.AreEqual(code, error.Code);
        StringAssert.Contains(error.Message, says);
    }

    [TestMethod]
    public async Task SendAsync_RoomNotJoinedOnThisConnection_FailedPrecondition()
    {
        await using var domain = ChatDomain.Create();
        var (alice, _, room) = await domain.TwoInARoomAsync();
        var notJoined = domain.Open(alice);

        var error = await Assert.ThrowsExactlyAsync<ChatException>(
            () => domain.Engine.SendAsync(notJoined.Session, new SendRequest { Room = room, Text = "hi", ClientMsgId = "m-1" }).WaitAsync(ChatDomain.Timeout));

        Assert.AreEqual(ChatErrorCode.FailedPrecondition, error.Code);
        StringAssert.Contains(error.Message, "Join room");
    }

    [TestMethod]
    public async Task JoinAsync_AfterASeq_ReplaysOnlyTheLaterMessagesInOrderThenLive()
    {
        await using var domain = ChatDomain.Create();
        var (alice, bob, room) = await domain.TwoInARoomAsync();
        var aliceView = await domain.OpenInAsync(alice, room);
        var acks = new List<SendAck>();
        for (var i = 1; i <= 5; i++)
        {
            acks.Add(await domain.Engine.SendAsync(aliceView.Session, new SendRequest { Room = room, Text = $"m{i}", ClientMsgId = $"c{i}" }).WaitAsync(ChatDomain.Timeout));
        }

        var bobView = domain.Open(bob);
        await domain.Engine.JoinAsync(bobView.Session, new JoinRequest { Room = room, AfterSeq = acks[1].Seq, StoreEpoch = domain.Engine.StoreEpoch }, "j").WaitAsync(ChatDomain.Timeout);
        var joined = await bobView.WaitForAsync(f => f.Joined is not null, "joined");
        await domain.Engine.SendAsync(aliceView.Session, new SendRequest { Room = room, Text = "live", ClientMsgId = "c6" }).WaitAsync(ChatDomain.Timeout);
        await bobView.WaitForAsync(f => f.Message?.Text == "live", "the live message");

        Assert.AreEqual(acks[^1].Seq, joined.Joined.LastSeq);
        var texts = bobView.Seen.Where(f => f.Message is not null).Select(f => f.Message.Text).ToList();
        CollectionAssert.AreEqual(new[] { "m3", "m4", "m5", "live" }, texts, "replay after seq 2, then live, nothing twice");
    }
}
