using ChatGrpc.Contracts.V1;
using ChatService.Storage;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace ChatService.Tests.Chat;

/// <summary>ChatService.Search on the real store (FTS5 on SQLite; tsvector on Postgres when CHAT_TEST_STORE=postgres).</summary>
[TestClass]
public sealed class SearchTests
{
    [TestMethod]
    public async Task Search_WordsAcrossMyRooms_EveryWordMatchedWithHighlightsAndOtherRoomsLeftOut()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var mine = await server.CreateRoomAsync(alice);
        var alsoMine = await server.CreateRoomAsync(alice);
        var notMine = await server.CreateRoomAsync(bob, RoomKind.Private);
        await using var a = await server.ConnectAndJoinAsync(alice, mine);
        await a.JoinAsync(alsoMine);
        await using var b = await server.ConnectAndJoinAsync(bob, notMine);
        await a.SendAsync(mine, "The deploy is on Friday after lunch");
        await a.SendAsync(mine, "no deploy this week");
        await a.SendAsync(alsoMine, "Deployment moved to FRIDAY evening");
        await a.SendAsync(alsoMine, "Friday lunch?");
        await b.SendAsync(notMine, "secret deploy friday");

        var exact = await SearchIndexedAsync(server, alice, "deploy friday", 1);
        var prefix = await SearchAsync(server, alice, "deploy* fri*");

        CollectionAssert.AreEqual(new[] { "The deploy is on Friday after lunch" }, exact.Hits.Select(h => h.Message.Text).ToArray(), "every word, whole words, only my rooms");
        CollectionAssert.AreEquivalent(new[] { "The deploy is on Friday after lunch", "Deployment moved to FRIDAY evening" }, prefix.Hits.Select(h => h.Message.Text).ToArray());
        var hit = prefix.Hits.Single(h => h.Message.Room == alsoMine);
        CollectionAssert.AreEqual(new[] { "Deployment", "FRIDAY" }, hit.Highlights.Select(r => hit.Snippet[r.Start..r.End]).ToArray(), "ranges cover the matched words");
        Assert.AreEqual(string.Empty, prefix.NextPageToken);
    }

    [TestMethod]
    public async Task Search_LongMessage_SnippetAroundTheMatchWithCodePointRanges()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        // Emoji before the match: ranges count code points, not UTF-16 units.
        var text = string.Concat(Enumerable.Repeat("🙂 filler ", 60)) + "the needle is here " + string.Concat(Enumerable.Repeat("tail ", 60));
        await a.SendAsync(room, text);

        var hit = (await SearchIndexedAsync(server, alice, "needle", 1)).Hits.Single();

        Assert.StartsWith("…", hit.Snippet);
        Assert.EndsWith("…", hit.Snippet);
        Assert.IsLessThanOrEqualTo(202, CodePoints(hit.Snippet));
        var range = hit.Highlights.Single();
        Assert.AreEqual("needle", string.Concat(hit.Snippet.EnumerateRunes().Skip(range.Start).Take(range.End - range.Start)));
    }

    [TestMethod]
    public async Task Search_EditedMessage_FoundByItsNewWordsAtOnceAndNotByTheOld()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var sent = await a.SendAsync(room, "quarterly numbers are in");
        await SearchIndexedAsync(server, alice, "quarterly", 1);

        await a.EditAsync(room, sent.Seq, "annual numbers are in");
        var byOld = await SearchAsync(server, alice, "quarterly");
        var byNew = await SearchAsync(server, alice, "annual");

        Assert.IsEmpty(byOld.Hits, "the old text left the index with the edit");
        var hit = byNew.Hits.Single();
        Assert.AreEqual((sent.Seq, "annual numbers are in"), (hit.Message.Seq, hit.Message.Text));
        Assert.IsNotNull(hit.Message.EditedAt);
    }

    [TestMethod]
    public async Task Search_DeletedMessageAndRoomLeft_NoLongerFound()
    {
        await using var server = await ChatServerHost.StartAsync();
        var admin = await server.LoginAdminAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var open = await server.CreateRoomAsync(alice);
        var closed = await server.CreateRoomAsync(bob, RoomKind.Private, alice.Name);
        await using var a = await server.ConnectAndJoinAsync(alice, open);
        await using var b = await server.ConnectAndJoinAsync(bob, closed);
        var doomed = await a.SendAsync(open, "rollback plan one");
        await a.SendAsync(open, "rollback plan two");
        await b.SendAsync(closed, "rollback plan three");
        Assert.HasCount(3, (await SearchIndexedAsync(server, alice, "rollback", 3)).Hits);

        await server.Admin.DeleteMessageAsync(new DeleteMessageRequest { Room = open, Seq = doomed.Seq }, admin.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        await server.Services.GetRequiredService<IRoomStore>().RemoveMemberAsync(closed, alice.User.Id).WaitAsync(ChatServerHost.Timeout);

        var after = await SearchAsync(server, alice, "rollback");
        CollectionAssert.AreEqual(new[] { "rollback plan two" }, after.Hits.Select(h => h.Message.Text).ToArray(), "the deletion at once, and nothing from a private room alice is no longer in");
        var refused = await Assert.ThrowsExactlyAsync<RpcException>(() => SearchAsync(server, alice, "rollback", room: closed));
        Assert.AreEqual(StatusCode.PermissionDenied, refused.StatusCode);
    }

    [TestMethod]
    public async Task Search_PublicRoomNamed_SearchedWithoutMembershipAndPaged()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var carol = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        for (var i = 1; i <= 5; i++)
        {
            await a.SendAsync(room, $"status report {i}");
        }

        await SearchIndexedAsync(server, carol, "report", 5, room);
        var first = await SearchAsync(server, carol, "report", room: room, limit: 3);
        var second = await SearchAsync(server, carol, "report", room: room, limit: 3, pageToken: first.NextPageToken);
        var none = await SearchAsync(server, carol, "report");

        Assert.HasCount(3, first.Hits);
        Assert.AreNotEqual(string.Empty, first.NextPageToken);
        Assert.HasCount(2, second.Hits);
        Assert.AreEqual(string.Empty, second.NextPageToken);
        CollectionAssert.AreEquivalent(Enumerable.Range(1, 5).Select(i => $"status report {i}").ToList(), first.Hits.Concat(second.Hits).Select(h => h.Message.Text).ToList(), "pages neither repeat nor skip");
        Assert.IsEmpty(none.Hits, "without a room, only rooms carol is a member of are searched");
    }

    [TestMethod]
    [DataRow("", "empty")]
    [DataRow("   ", "empty")]
    [DataRow("?!* -- ()", "at least one word")]
    [DataRow("a b c d e f g h i j k", "at most 10 words")]
    public async Task Search_UnusableQuery_InvalidArgumentSaysWhy(string query, string expected)
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();

        var refused = await Assert.ThrowsExactlyAsync<RpcException>(() => SearchAsync(server, alice, query));

        Assert.AreEqual(StatusCode.InvalidArgument, refused.StatusCode);
        StringAssert.Contains(refused.Status.Detail, expected);
    }

    [TestMethod]
    public async Task Search_HugeQueryOrForgedPageToken_RefusedWithoutEchoingThem()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var huge = new string('x', 5000);

        var tooLong = await Assert.ThrowsExactlyAsync<RpcException>(() => SearchAsync(server, alice, huge));
        var forged = await Assert.ThrowsExactlyAsync<RpcException>(() => SearchAsync(server, alice, "hello", pageToken: huge));

        Assert.AreEqual(StatusCode.InvalidArgument, tooLong.StatusCode);
        StringAssert.Contains(tooLong.Status.Detail, "at most 200");
        Assert.AreEqual(StatusCode.InvalidArgument, forged.StatusCode);
        Assert.IsLessThan(200, tooLong.Status.Detail.Length + forged.Status.Detail.Length, "short messages, no echo of the input");
    }

    /// <summary>New messages reach the index within a moment of their ack (a batch at a time on SQLite): search until they have.</summary>
    private static async Task<SearchResponse> SearchIndexedAsync(ChatServerHost server, TestUser user, string query, int count, string room = "")
    {
        using var deadline = new CancellationTokenSource(ChatServerHost.Timeout);
        while (true)
        {
            var response = await SearchAsync(server, user, query, room);
            if (response.Hits.Count >= count)
            {
                return response;
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    private static async Task<SearchResponse> SearchAsync(ChatServerHost server, TestUser user, string query, string room = "", int limit = 0, string pageToken = "") =>
        await server.Chat.SearchAsync(new SearchRequest { Query = query, Room = room, Limit = limit, PageToken = pageToken }, user.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

    private static int CodePoints(string text) => text.EnumerateRunes().Count();
}
