using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatService.Tests.Chat;

/// <summary>Replies quoting another message, on the real store (SQLite; Postgres when CHAT_TEST_STORE=postgres).</summary>
[TestClass]
public sealed class ReplyTests
{
    [TestMethod]
    public async Task Send_ReplyTo_FrameAndHistoryQuoteTheMessageAsItIsNow()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await using var b = await server.ConnectAndJoinAsync(bob, room);
        var question = await a.SendAsync(room, "lunch at noon? " + string.Concat(Enumerable.Repeat("🍕", 120)));
        var other = await a.SendAsync(room, "or at one");

        var reply = await b.SendFrameAsync(new ClientFrame { Send = new SendRequest { Room = room, Text = "noon works", ClientMsgId = "r1", ReplyTo = question.Seq } });
        await b.ReplyAsync(reply);
        var live = (await a.WaitForAsync(f => f.Message?.Text == "noon works")).Message;
        await b.SendFrameAsync(new ClientFrame { Send = new SendRequest { Room = room, Text = "one is better", ClientMsgId = "r2", ReplyTo = other.Seq } });
        await a.WaitForAsync(f => f.Message?.Text == "one is better");
        await a.EditAsync(room, question.Seq, "lunch at noon, in the park?");
        await a.DeleteAsync(room, other.Seq);
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, bob.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual((question.Seq, alice.Name, false), (live.ReplyTo.Seq, live.ReplyTo.SenderName, live.ReplyTo.Deleted));
        Assert.AreEqual(101, live.ReplyTo.Text.EnumerateRunes().Count(), "100 code points and the ellipsis");
        Assert.EndsWith("🍕…", live.ReplyTo.Text);
        var quotes = history.Messages.Where(m => m.ReplyTo is not null).Select(m => (m.Text, m.ReplyTo.Seq, m.ReplyTo.Text, m.ReplyTo.Deleted)).ToArray();
        CollectionAssert.AreEqual(
            new[] { ("noon works", question.Seq, "lunch at noon, in the park?", false), ("one is better", other.Seq, "", true) },
            quotes,
            "history quotes the edited text, and the deleted message as deleted");
        Assert.IsTrue(history.Messages.Where(m => m.ReplyTo is null).All(m => m.Seq <= other.Seq), "only the replies quote");
    }

    [TestMethod]
    public async Task Send_ReplyToMissingOrDeletedMessage_RefusedAndNothingStored()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var gone = await a.SendAsync(room, "soon gone");
        await a.DeleteAsync(room, gone.Seq);

        var missing = await a.SendFrameAsync(new ClientFrame { Send = new SendRequest { Room = room, Text = "re: nothing", ClientMsgId = "m1", ReplyTo = 42 } });
        var deleted = await a.SendFrameAsync(new ClientFrame { Send = new SendRequest { Room = room, Text = "re: gone", ClientMsgId = "m2", ReplyTo = gone.Seq } });
        var missingReply = await a.ReplyAsync(missing);
        var deletedReply = await a.ReplyAsync(deleted);
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual((int)StatusCode.NotFound, missingReply.Error?.Code, missingReply.ToString());
        StringAssert.Contains(missingReply.Error!.Message, "has no message 42 to reply to");
        Assert.AreEqual((int)StatusCode.FailedPrecondition, deletedReply.Error?.Code, deletedReply.ToString());
        Assert.AreEqual(1, history.Messages.Count, "neither reply was stored");
    }
}
