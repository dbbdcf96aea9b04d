using ChatGrpc.Contracts.V1;
using ChatService.Tests.Infrastructure;
using Grpc.Core;

namespace ChatService.Tests.Chat;

/// <summary>Edits and deletions by authors on the real store (SQLite; Postgres when CHAT_TEST_STORE=postgres).</summary>
[TestClass]
public sealed class MessageChangeTests
{
    [TestMethod]
    public async Task EditMessage_ByAuthor_RoomSeesSameSeqAndIdWithNewTextAndHistoryShowsIt()
    {
        await using var chat = await AliceAndBobAsync();
        var (server, alice, bob, room, a, b) = chat;
        var sent = await a.SendAsync(room, "helo wrold");

        var ack = await a.EditAsync(room, sent.Seq, "hello world");
        var seen = (await b.WaitForAsync(f => f.MessageEdited is not null)).MessageEdited.Message;
        var unary = await server.Chat.EditMessageAsync(new EditMessageRequest { Room = room, Seq = sent.Seq, Text = "hello, world" }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        var second = await b.WaitForAsync(f => f.MessageEdited?.Message.Change == 2);
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, bob.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual(ServerFrame.FrameOneofCase.ChangeAck, ack.FrameCase, ack.ToString());
        Assert.AreEqual(1UL, ack.ChangeAck.Change);
        Assert.IsFalse(ack.ChangeAck.Duplicate);
        Assert.AreEqual((sent.Seq, sent.Id, "hello world", 1UL), (seen.Seq, seen.Id, seen.Text, seen.Change));
        Assert.AreEqual(sent.SentAt, seen.SentAt, "an edit keeps when the message was sent");
        Assert.IsNotNull(seen.EditedAt);
        Assert.AreEqual("hello, world", unary.Message.Text);
        Assert.AreEqual("hello, world", second.MessageEdited.Message.Text);
        var stored = history.Messages.Single();
        Assert.AreEqual(("hello, world", 2UL, sent.Id), (stored.Text, stored.Change, stored.Id));
        Assert.IsNotNull(stored.EditedAt);
    }

    [TestMethod]
    public async Task DeleteMessage_ByAuthor_RoomToldAndEditsRefusedAfter()
    {
        await using var chat = await AliceAndBobAsync();
        var (server, alice, bob, room, a, b) = chat;
        var sent = await a.SendAsync(room, "oops, wrong room");

        var byBob = await b.DeleteAsync(room, sent.Seq);
        await server.Chat.DeleteMessageAsync(new DeleteMessageRequest { Room = room, Seq = sent.Seq }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        var deleted = (await b.WaitForAsync(f => f.MessageDeleted is not null)).MessageDeleted;
        var again = await a.DeleteAsync(room, sent.Seq);
        var edit = await a.EditAsync(room, sent.Seq, "resurrected");
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, bob.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual((int)StatusCode.PermissionDenied, byBob.Error?.Code, byBob.ToString());
        StringAssert.Contains(byBob.Error!.Message, "only its author or a moderator");
        Assert.AreEqual((sent.Seq, sent.Id, alice.Name, 1UL), (deleted.Seq, deleted.Id, deleted.DeletedBy, deleted.Change));
        Assert.IsTrue(again.ChangeAck.Duplicate, "deleting twice changes nothing");
        Assert.AreEqual((int)StatusCode.FailedPrecondition, edit.Error?.Code, edit.ToString());
        Assert.IsTrue(history.Messages.Single().Deleted);
        Assert.AreEqual(("", 1UL), (history.Messages.Single().Text, history.Messages.Single().Change));
    }

    [TestMethod]
    public async Task EditMessage_BadRequests_RefusedWithReadableReasonsAndStreamStaysOpen()
    {
        await using var chat = await AliceAndBobAsync(new Dictionary<string, string?> { ["Chat:MaxTextLength"] = "20" });
        var (server, alice, bob, room, a, b) = chat;
        var sent = await a.SendAsync(room, "mine");

        var cases = new (ServerFrame Reply, StatusCode Code, string Says)[]
        {
            (await b.EditAsync(room, sent.Seq, "not yours"), StatusCode.PermissionDenied, "only its author can edit it"),
            (await a.EditAsync(room, sent.Seq, "   "), StatusCode.InvalidArgument, "needs some text"),
            (await a.EditAsync(room, sent.Seq, new string('x', 5000)), StatusCode.InvalidArgument, "the limit is 20"),
            (await a.EditAsync(room, 99, "nothing there"), StatusCode.NotFound, "has no message 99"),
            (await a.EditAsync(room, sent.Seq, "ok", new string('k', 500)), StatusCode.InvalidArgument, "client_edit_id is at most"),
            (await a.EditAsync("no-such-room", 1, "x"), StatusCode.NotFound, "does not exist"),
        };

        foreach (var (reply, code, says) in cases)
        {
            Assert.AreEqual((int)code, reply.Error?.Code, reply.ToString());
            StringAssert.Contains(reply.Error!.Message, says);
            Assert.IsTrue(reply.Error.Message.Length < 200, $"short: {reply.Error.Message}");
        }

        Assert.AreEqual(1UL, (await a.EditAsync(room, sent.Seq, "still works")).ChangeAck.Change, "the stream stayed open");
    }

    [TestMethod]
    public async Task EditMessage_SameEditIdOrSameText_NothingChangesAndNoFrameGoesOut()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var sent = await a.SendAsync(room, "first");

        var edit = await a.EditAsync(room, sent.Seq, "second", "edit-1");
        var retry = await a.EditAsync(room, sent.Seq, "second", "edit-1");
        var sameText = await a.EditAsync(room, sent.Seq, "second");
        var next = await a.EditAsync(room, sent.Seq, "third", "edit-2");
        await a.WaitForAsync(f => f.MessageEdited?.Message.Change == 2);

        Assert.AreEqual((1UL, false), (edit.ChangeAck.Change, edit.ChangeAck.Duplicate));
        Assert.AreEqual((0UL, true), (retry.ChangeAck.Change, retry.ChangeAck.Duplicate));
        Assert.AreEqual((0UL, true), (sameText.ChangeAck.Change, sameText.ChangeAck.Duplicate));
        Assert.AreEqual(2UL, next.ChangeAck.Change, "numbers stay gapless: the repeats took none");
        CollectionAssert.AreEqual(new ulong[] { 1, 2 }, a.Frames.Where(f => f.MessageEdited is not null).Select(f => f.MessageEdited.Message.Change).ToArray());
    }

    [TestMethod]
    public async Task EditMessage_PastTheEditWindow_RefusedButDeleteStillWorks()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Chat:EditWindow"] = "00:10:00" }, time);
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var sent = await a.SendAsync(room, "soon stale");
        time.Advance(TimeSpan.FromMinutes(9));
        var inTime = await a.EditAsync(room, sent.Seq, "fresh");
        time.Advance(TimeSpan.FromMinutes(2));

        var late = await a.EditAsync(room, sent.Seq, "too late");
        var delete = await a.DeleteAsync(room, sent.Seq);

        Assert.AreEqual(1UL, inTime.ChangeAck.Change, inTime.ToString());
        Assert.AreEqual((int)StatusCode.FailedPrecondition, late.Error?.Code, late.ToString());
        StringAssert.Contains(late.Error!.Message, "older than the edit window (10 minutes)");
        Assert.AreEqual(2UL, delete.ChangeAck.Change, delete.ToString());
    }

    [TestMethod]
    public async Task Join_ResumeAfterMissedEditsAndDeletions_ReplaysEachOnceInChangeOrder()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        var seqs = new List<ulong>();
        for (var i = 1; i <= 6; i++)
        {
            seqs.Add((await a.SendAsync(room, $"message {i}")).Seq);
        }

        await a.EditAsync(room, seqs[0], "message 1, edited before bob left");
        var model = new RoomModel(room);
        await using (var first = await server.ConnectAsync(bob))
        {
            model.Apply(await first.JoinAsync(room));
        }

        await a.EditAsync(room, seqs[2], "message 3, take one");
        await a.DeleteAsync(room, seqs[3]);
        await a.EditAsync(room, seqs[2], "message 3, take two");
        await a.SendAsync(room, "message 7");
        var seventh = (await a.SendAsync(room, "message 8")).Seq;
        await a.EditAsync(room, seventh, "message 8, edited");
        await a.EditAsync(room, seqs[1], "message 2, edited");

        await using var back = await server.ConnectAsync(bob);
        var resumed = await back.JoinAsync(room, model.LastSeq, back.Welcome.StoreEpoch, model.LastChange);
        model.Apply(resumed);
        var frames = await back.WaitForCountAsync(f => f.Message is not null || f.MessageEdited is not null || f.MessageDeleted is not null, 5);
        foreach (var frame in frames)
        {
            model.Apply(frame);
        }

        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, bob.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        Assert.AreEqual(ResumeResult.Complete, resumed.Resume);
        Assert.AreEqual(6UL, resumed.LastChange);
        CollectionAssert.AreEqual(
            new[] { "deleted 4", "edited 3", "edited 2", "message 7", "message 8" },
            frames.Select(f => f.Message is { } m ? $"message {m.Seq}" : f.MessageEdited is { } e ? $"edited {e.Message.Seq}" : $"deleted {f.MessageDeleted.Seq}").ToArray(),
            "changes of the messages bob had, in change order and each once, then the new messages as they are now");
        CollectionAssert.AreEqual(history.Messages.Select(RoomModel.Line).ToArray(), model.Lines().ToArray());
        Assert.AreEqual(0, model.Repeats);
    }

    [TestMethod]
    public async Task Join_ClientDroppedRepeatedlyWhileMessagesAreEdited_EndsEqualToOneThatNeverDropped()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var carol = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await using var steady = await server.ConnectAsync(carol);
        var steadyModel = new RoomModel(room);
        steadyModel.Apply(await steady.JoinAsync(room));
        for (var i = 1; i <= 10; i++)
        {
            await a.SendAsync(room, $"message {i}");
        }

        using var stop = new CancellationTokenSource();
        var changes = 0;
        ulong lastChange = 0;
        var editor = Task.Run(async () =>
        {
            var random = new Random(17);
            while (!stop.IsCancellationRequested)
            {
                var seq = (ulong)random.Next(1, 11);
                // Messages 8-10 get deleted along the way; 1-7 stay editable throughout.
                var reply = seq > 7 && random.Next(4) == 0 ? await a.DeleteAsync(room, seq) : await a.EditAsync(room, seq, $"message {seq}, version {changes}");
                if (reply.ChangeAck is { Duplicate: false } ack)
                {
                    changes++;
                    lastChange = ack.Change;
                }

                if (random.Next(4) == 0)
                {
                    await a.SendAsync(room, $"more {changes}");
                }
            }
        });

        var model = new RoomModel(room);
        for (var drop = 0; drop < 6; drop++)
        {
            await using (var online = await server.ConnectAsync(bob))
            {
                model.Apply(await online.JoinAsync(room, model.LastSeq, online.Welcome.StoreEpoch, model.LastChange));
                await Task.Delay(100 + drop * 30);
                foreach (var frame in online.Frames.Where(f => f.RequestId.Length == 0))
                {
                    model.Apply(frame);
                }
            }

            // Offline for a while: the edits made now reach bob only through the resume.
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await editor.WaitAsync(ChatServerHost.Timeout);
        await using var final = await server.ConnectAsync(bob);
        model.Apply(await final.JoinAsync(room, model.LastSeq, final.Welcome.StoreEpoch, model.LastChange));
        // Frames on one stream are handled in order: the pong comes after the join's replay was queued.
        var ping = await final.SendFrameAsync(new ClientFrame { Ping = new Ping() });
        await final.ReplyAsync(ping);
        await steady.WaitForAsync(f => f.MessageEdited?.Message.Change == lastChange || f.MessageDeleted?.Change == lastChange);
        foreach (var frame in final.Frames.Where(f => f.RequestId.Length == 0))
        {
            model.Apply(frame);
        }

        foreach (var frame in steady.Frames.Where(f => f.RequestId.Length == 0))
        {
            steadyModel.Apply(frame);
        }

        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room, Limit = 500 }, bob.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        Assert.IsTrue(changes >= 20, $"only {changes} changes were made while bob dropped");
        var expected = string.Join("\n", history.Messages.Select(RoomModel.Line));
        Assert.AreEqual(expected, string.Join("\n", steadyModel.Lines()), "the client that never dropped");
        Assert.AreEqual(expected, string.Join("\n", model.Lines()), "the client that dropped six times");
    }
    private static async Task<AliceAndBob> AliceAndBobAsync(IDictionary<string, string?>? settings = null)
    {
        var server = await ChatServerHost.StartAsync(settings);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        return new AliceAndBob(server, alice, bob, room, await server.ConnectAndJoinAsync(alice, room), await server.ConnectAndJoinAsync(bob, room));
    }

    /// <summary>Two users on their own server, both joined to one room.</summary>
    private sealed record AliceAndBob(ChatServerHost Server, TestUser Alice, TestUser Bob, string Room, ChatConnection A, ChatConnection B) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
