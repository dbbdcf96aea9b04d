using ChatGrpc.Client;
using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Sdk;

/// <summary>ChatGrpc.Client's edits and deletions against a real server, across network cuts and app restarts.</summary>
[TestClass]
public sealed class ChatClientChangeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [TestMethod]
    public async Task EditAsync_NetworkCutWhileOthersEditAndDelete_AppSeesEveryChangeOnceAndItsOwnEditLands()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var bobStream = await server.ConnectAndJoinAsync(bob, room);
        await using var proxy = LatencyProxy.Start(server.GrpcPort, TimeSpan.Zero);
        using var channel = ChatChannel.Create($"http://127.0.0.1:{proxy.Port}");
        var cursors = new InMemoryCursorStore();
        var model = new RoomModel(room);
        var mine = new List<SendAck>();
        await using (var client = ChatClientTests.Client(channel, alice, cursors: cursors))
        {
            await using var events = new ClientEvents(client);
            await client.StartAsync().WaitAsync(Timeout);
            await client.JoinAsync(room).WaitAsync(Timeout);
            for (var i = 1; i <= 4; i++)
            {
                mine.Add(await client.SendAsync(room, $"alice {i}").WaitAsync(Timeout));
            }

            var bobs = await bobStream.SendAsync(room, "bob 1");
            await bobStream.EditAsync(room, bobs.Seq, "bob 1, edited live");
            await events.WaitForAsync(e => e.OfType<FrameReceived>().Any(f => f.Frame.MessageEdited is not null), Timeout, "the live edit");

            proxy.CutConnections();
            await bobStream.EditAsync(room, bobs.Seq, "bob 1, edited while alice was cut off");
            await bobStream.DeleteAsync(room, bobs.Seq);
            var ownEdit = client.EditAsync(room, mine[1].Seq, "alice 2, fixed");
            var ownDelete = client.DeleteAsync(room, mine[2].Seq);
            var acks = await Task.WhenAll(ownEdit, ownDelete).WaitAsync(Timeout);
            await events.WaitForAsync(
                e => e.OfType<FrameReceived>().Count(f => f.Frame.MessageEdited is not null || f.Frame.MessageDeleted is not null) >= 4,
                Timeout,
                "the missed deletion and alice's own changes");

            foreach (var frame in events.All.OfType<FrameReceived>().Select(f => f.Frame))
            {
                if (frame.Joined is { } joined)
                {
                    model.Apply(joined);
                }
                else
                {
                    model.Apply(frame);
                }
            }

            Assert.IsTrue(acks.All(a => a is { Duplicate: false, Change: > 0 }), string.Join(", ", acks.Select(a => a.ToString())));
            var changes = events.All.OfType<FrameReceived>().Select(f => f.Frame).Where(f => f.RequestId.Length == 0 && (f.MessageEdited is not null || f.MessageDeleted is not null))
                .Select(f => f.MessageEdited?.Message.Change ?? f.MessageDeleted.Change).ToArray();
            CollectionAssert.AreEqual(changes.Distinct().Order().ToArray(), changes, $"each change once, in order: {string.Join(" ", changes)}");
        }

        var history = await ChatClientTests.History(server, alice, room);
        CollectionAssert.AreEqual(history.Select(RoomModel.Line).ToArray(), model.Lines().ToArray());
        var saved = await cursors.LoadAsync(CancellationToken.None);
        Assert.AreEqual(history.Max(m => m.Change), saved!.Changes![room], "the change cursor is saved with the seqs");
    }
}
