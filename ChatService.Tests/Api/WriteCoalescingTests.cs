using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using static ChatService.Tests.Api.MetricsScrape;

namespace ChatService.Tests.Api;

/// <summary>Busy streams gather frames into fewer writes, on a real server, and nothing is lost or reordered by it.</summary>
[TestClass]
public sealed class WriteCoalescingTests
{
    private const int Messages = 60;

    [TestMethod]
    [DataRow("00:00:00.050", "3", true)]
    [DataRow("00:00:00", "3", false)]
    [DataRow("00:00:00.050", "1000", false)]
    public async Task Connect_AMessageEveryFewMilliseconds_ArrivesInOrderAndBusyStreamsGatherIt(string interval, string minFrames, bool gathers)
    {
        // A message every 3 ms is about 16 frames per 50 ms interval: enough to gather at 3, far from 1000.
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Endpoints:WriteCoalescing"] = interval,
            ["Endpoints:WriteCoalescingMinFrames"] = minFrames,
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.WebPort}"), Timeout = ChatServerHost.Timeout };
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await using var b = await server.ConnectAndJoinAsync(bob, room);
        var before = await SettledAsync(http);

        // Paced, acks not awaited: each message commits on its own, so without gathering each is its own write.
        for (var i = 1; i <= Messages; i++)
        {
            await a.SendFrameAsync(new ClientFrame { Send = new SendRequest { Room = room, Text = $"m{i}", ClientMsgId = Guid.NewGuid().ToString("N") } });
            await Task.Delay(3);
        }

        var received = await b.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message, Messages);
        await a.WaitForCountAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.SendAck, Messages);
        CollectionAssert.AreEqual(Enumerable.Range(1, Messages).Select(i => $"m{i}").ToList(), received.Select(f => f.Message.Text).ToList());
        // Bob gets each message; alice its ack and her own copy.
        const int frames = 3 * Messages;
        var after = await ScrapeUntilAsync(http, t => Counter(t, "chat_frames_out_total") >= Counter(before, "chat_frames_out_total") + frames);
        Assert.AreEqual(frames, Counter(after, "chat_frames_out_total") - Counter(before, "chat_frames_out_total"), "frames queued");
        var flushes = Counter(after, "chat_frames_flushes_total") - Counter(before, "chat_frames_flushes_total");
        if (gathers)
        {
            // The first dozen frames go out one by one while the stream's pace builds up.
            Assert.IsTrue(flushes * 3 < frames, $"{flushes} writes for {frames} frames; a stream getting frames every few milliseconds should wait and gather");
        }
        else
        {
            Assert.IsTrue(flushes * 3 > frames, $"{flushes} writes for {frames} frames; with gathering off or the stream too slow for it, a frame 3 ms after the last is written on its own");
        }
    }

    /// <summary>A reading no longer moving: two scrapes more than the exporter's cache period apart that agree.</summary>
    private static async Task<string> SettledAsync(HttpClient http)
    {
        var last = await ScrapeAsync(http);
        var deadline = DateTime.UtcNow + ChatServerHost.Timeout;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(400);
            var next = await ScrapeAsync(http);
            if (Counter(next, "chat_frames_out_total") == Counter(last, "chat_frames_out_total")
                && Counter(next, "chat_frames_flushes_total") == Counter(last, "chat_frames_flushes_total"))
            {
                return next;
            }

            last = next;
        }

        Assert.Fail("the frame counters kept moving with nothing sent");
        return last;
    }
}
