using ChatGrpc.Contracts.V1;
using ChatService.Chat;
using ChatService.Storage;

namespace ChatService.Tests.Domain;

/// <summary>
/// A room's changes going out in number order when they arrive out of it (as from other nodes), on the
/// in-memory store: the store writes the changes, the test hands the room their frames in any order.
/// </summary>
[TestClass]
public sealed class MessageChangesTests
{
    [TestMethod]
    public async Task DeliverAsync_ChangeArrivesBeforeAnEarlierOne_EarlierIsReadAndBothGoOutInOrder()
    {
        await using var domain = ChatDomain.Create();
        var (alice, bob, roomId) = await domain.TwoInARoomAsync();
        var aliceView = await domain.OpenInAsync(alice, roomId);
        var bobView = await domain.OpenInAsync(bob, roomId);
        var one = await SendAsync(domain, aliceView, roomId, "one");
        var two = await SendAsync(domain, aliceView, roomId, "two");
        var room = (await domain.Get<RoomRegistry>().GetAsync(roomId))!;
        var first = await EditInStoreAsync(domain, roomId, one.Seq, "one, edited");
        var second = await EditInStoreAsync(domain, roomId, two.Seq, "two, edited");
        var changes = domain.Get<MessageChanges>();

        await changes.DeliverAsync(room, second.Change, Edited(second), second.Seq).WaitAsync(ChatDomain.Timeout);
        await changes.DeliverAsync(room, first.Change, Edited(first), first.Seq).WaitAsync(ChatDomain.Timeout);
        await bobView.WaitForAsync(f => f.MessageEdited?.Message.Change == 2, "change 2");

        CollectionAssert.AreEqual(
            new[] { "1: one, edited", "2: two, edited" },
            bobView.Seen.Where(f => f.MessageEdited is not null).Select(f => $"{f.MessageEdited.Message.Change}: {f.MessageEdited.Message.Text}").ToList(),
            "change 1 was read from the store before change 2 went out; its own late frame was not sent again");
        Assert.AreEqual(2UL, room.DeliveredChange);
    }

    [TestMethod]
    public async Task DeliverAsync_MissedChangeSupersededByALaterOne_MessageSentOnceAsItIsNow()
    {
        await using var domain = ChatDomain.Create();
        var (alice, bob, roomId) = await domain.TwoInARoomAsync();
        var aliceView = await domain.OpenInAsync(alice, roomId);
        var bobView = await domain.OpenInAsync(bob, roomId);
        var sent = await SendAsync(domain, aliceView, roomId, "draft");
        var room = (await domain.Get<RoomRegistry>().GetAsync(roomId))!;
        await EditInStoreAsync(domain, roomId, sent.Seq, "draft 2");
        var latest = await EditInStoreAsync(domain, roomId, sent.Seq, "final");

        await domain.Get<MessageChanges>().DeliverAsync(room, latest.Change, frame: null, latest.Seq).WaitAsync(ChatDomain.Timeout);
        await bobView.WaitForAsync(f => f.MessageEdited is not null, "the edit");

        CollectionAssert.AreEqual(new[] { "2: final" }, bobView.Seen.Where(f => f.MessageEdited is not null).Select(f => $"{f.MessageEdited.Message.Change}: {f.MessageEdited.Message.Text}").ToList());
        Assert.AreEqual(2UL, room.DeliveredChange, "change 1 counts as delivered: change 2 carries what it did");
    }

    [TestMethod]
    public async Task Room_ChangeWithAGapBeforeIt_NotLetOutUntilTheGapIsFilled()
    {
        await using var domain = ChatDomain.Create();
        var (alice, bob, roomId) = await domain.TwoInARoomAsync();
        var aliceView = await domain.OpenInAsync(alice, roomId);
        var bobView = await domain.OpenInAsync(bob, roomId);
        var sent = await SendAsync(domain, aliceView, roomId, "text");
        var room = (await domain.Get<RoomRegistry>().GetAsync(roomId))!;
        var frame = Edited(new StoredMessage(roomId, sent.Seq, sent.Id, alice.Id, alice.Name, sent.ClientMsgId, "later", DateTimeOffset.UnixEpoch, null, Change: 3));

        Assert.IsFalse(room.TryDeliverChange(3, frame, sent.Seq), "changes 1 and 2 have not gone out");
        Assert.IsTrue(room.TryDeliverChange(1, frame, sent.Seq));
        Assert.IsTrue(room.TryDeliverChange(1, frame, sent.Seq), "a repeat is taken and dropped");
        Assert.AreEqual(1, bobView.Seen.Count(f => f.MessageEdited is not null));
    }

    private static async Task<SendAck> SendAsync(ChatDomain domain, FrameLog view, string room, string text) =>
        await domain.Engine.SendAsync(view.Session, new SendRequest { Room = room, Text = text, ClientMsgId = Guid.NewGuid().ToString("N") }).WaitAsync(ChatDomain.Timeout);

    /// <summary>A change committed where this node did not see it happen: another node, as far as the room can tell.</summary>
    private static async Task<StoredMessage> EditInStoreAsync(ChatDomain domain, string room, ulong seq, string text)
    {
        var store = domain.Get<IMessageStore>();
        var current = (await store.ReadAsync(room, seq - 1, seq + 1, 1, newest: false)).Single();
        return (await store.ChangeAsync(room, seq, current.Change, MessageChange.Edit(text, domain.Time.GetUtcNow(), null)).WaitAsync(ChatDomain.Timeout))!;
    }

    private static OutboundFrame Edited(StoredMessage message) =>
        Frames.Durable(new ServerFrame { MessageEdited = new MessageEdited { Message = message.ToProto() } });
}
