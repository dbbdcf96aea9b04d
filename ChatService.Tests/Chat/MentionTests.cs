using ChatGrpc.Contracts.V1;
using ChatService.Chat;

namespace ChatService.Tests.Chat;

/// <summary>@-mentions on the real store (SQLite; Postgres when CHAT_TEST_STORE=postgres).</summary>
[TestClass]
public sealed class MentionTests
{
    [TestMethod]
    public async Task Send_MentionsAMember_EveryStreamOfTheirsToldAndUnreadMentionsCountUntilRead()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var carol = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice, RoomKind.Private, bob.Name);
        var elsewhere = await server.CreateRoomAsync(bob);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        // Bob's phone sits in another room and his laptop in none: a mention reaches both anyway.
        await using var phone = await server.ConnectAndJoinAsync(bob, elsewhere);
        await using var laptop = await server.ConnectAsync(bob);

        var sent = await a.SendAsync(room, $"@{bob.Name.ToUpperInvariant()} can you review? cc @{carol.Name} @{alice.Name} mail {bob.Name}@example.com");
        await a.SendAsync(room, $"thanks @{bob.Name}.");
        var onPhone = (await phone.WaitForAsync(f => f.Mention is not null)).Mention.Message;
        await laptop.WaitForCountAsync(f => f.Mention is not null, 2);
        var before = await UnreadMentionsAsync(server, bob, room);
        var markId = await phone.SendFrameAsync(new ClientFrame { MarkRead = new MarkReadRequest { Room = room, Seq = sent.Seq } });
        await phone.ReplyAsync(markId);
        var after = await UnreadMentionsAsync(server, bob, room);

        Assert.AreEqual((room, sent.Seq, alice.Name), (onPhone.Room, onPhone.Seq, onPhone.SenderName));
        Assert.AreEqual(2, before, "both messages mention bob (any case, a trailing full stop too)");
        Assert.AreEqual(1, after, "the one after his read marker");
        Assert.AreEqual(0, a.Frames.Count(f => f.Mention is not null), "alice's own name is no mention");
        Assert.AreEqual(0, await UnreadMentionsAsync(server, alice, room));
    }

    [TestMethod]
    [DataRow("hi @bob and @bob", new[] { "bob" })]
    [DataRow("mail bob@example.com", new string[0])]
    [DataRow("thanks @bob.", new[] { "bob.", "bob" })]
    [DataRow("@al no: too short", new string[0])]
    [DataRow("(@carol)", new[] { "carol" })]
    public void Parse_Text_FindsTheNamesAfterAnAt(string text, string[] expected)
    {
        CollectionAssert.AreEquivalent(expected, Mentions.Parse(text).ToArray());
    }

    [TestMethod]
    public void Parse_ManyMentions_StopsAtTheLimit()
    {
        var text = string.Join(' ', Enumerable.Range(0, 100).Select(i => $"@user{i:000}"));

        Assert.AreEqual(Mentions.MaxPerMessage, Mentions.Parse(text).Count);
    }

    private static async Task<int> UnreadMentionsAsync(ChatServerHost server, TestUser user, string room)
    {
        var rooms = await server.Chat.ListRoomsAsync(new ListRoomsRequest(), user.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        return rooms.Rooms.Single(r => r.Id == room).UnreadMentions;
    }
}
