using ChatService.Chat;

namespace ChatService.Tests.Chat;

/// <summary>The per-connection outbox in isolation: what is dropped, what overflows, what waits.</summary>
[TestClass]
public sealed class OutboxTests
{
    private static readonly OutboundFrame Durable = new([1], Durable: true);
    private static readonly OutboundFrame Ephemeral = new([2], Durable: false);

    [TestMethod]
    public void TryEnqueue_EphemeralBeyondHalf_DroppedWhileDurableStillFits()
    {
        var outbox = new Outbox(4);

        var results = new[] { outbox.TryEnqueue(Ephemeral), outbox.TryEnqueue(Ephemeral), outbox.TryEnqueue(Ephemeral) };

        CollectionAssert.AreEqual(new[] { EnqueueResult.Queued, EnqueueResult.Queued, EnqueueResult.Dropped }, results);
        Assert.AreEqual(EnqueueResult.Queued, outbox.TryEnqueue(Durable));
        Assert.AreEqual(EnqueueResult.Queued, outbox.TryEnqueue(Durable));
    }

    [TestMethod]
    public void TryEnqueue_DurableWhenFull_Overflow()
    {
        var outbox = new Outbox(2);
        outbox.TryEnqueue(Durable);
        outbox.TryEnqueue(Durable);

        Assert.AreEqual(EnqueueResult.Overflow, outbox.TryEnqueue(Durable));
        Assert.AreEqual(EnqueueResult.Dropped, outbox.TryEnqueue(Ephemeral));
        Assert.AreEqual(2, outbox.Count);
    }

    [TestMethod]
    public async Task EnqueueWhenSpaceAsync_Full_WaitsForReaderInsteadOfOverflowing()
    {
        var outbox = new Outbox(1);
        outbox.TryEnqueue(Durable);

        var pending = outbox.EnqueueWhenSpaceAsync(Durable, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.IsFalse(pending.IsCompleted, "must wait while full");
        var batch = new List<OutboundFrame>();
        outbox.DrainTo(batch, 10);

        Assert.IsTrue(await pending.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.AreEqual(1, outbox.Count);
    }

    [TestMethod]
    public async Task EnqueueWhenSpaceAsync_HalfFull_WaitsAndLeavesLiveDurableFramesTheirShare()
    {
        var outbox = new Outbox(8);
        for (var i = 0; i < 4; i++)
        {
            Assert.IsTrue(await outbox.EnqueueWhenSpaceAsync(Durable, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        }

        var paced = outbox.EnqueueWhenSpaceAsync(Durable, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.IsFalse(paced.IsCompleted, "a paced producer must stop at half");
        Assert.AreEqual(EnqueueResult.Queued, outbox.TryEnqueue(Ephemeral), "ephemeral frames still fit below three quarters");
        Assert.AreEqual(EnqueueResult.Queued, outbox.TryEnqueue(Ephemeral));
        Assert.AreEqual(EnqueueResult.Dropped, outbox.TryEnqueue(Ephemeral), "three quarters full: no more ephemeral frames");
        Assert.AreEqual(EnqueueResult.Queued, outbox.TryEnqueue(Durable));
        Assert.AreEqual(EnqueueResult.Queued, outbox.TryEnqueue(Durable));
        Assert.AreEqual(EnqueueResult.Overflow, outbox.TryEnqueue(Durable));

        outbox.DrainTo(new List<OutboundFrame>(), 8);
        Assert.IsTrue(await paced.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.AreEqual(1, outbox.Count);
    }

    [TestMethod]
    public async Task Complete_WithDiscard_ReaderStopsAtOnceDespiteQueuedFrames()
    {
        var outbox = new Outbox(8);
        outbox.TryEnqueue(Durable);

        outbox.Complete(discardQueued: true);

        Assert.IsFalse(await outbox.WaitToReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.AreEqual(EnqueueResult.Closed, outbox.TryEnqueue(Durable));
    }

    [TestMethod]
    public async Task Complete_WithFlush_ReaderDrainsQueuedFramesFirst()
    {
        var outbox = new Outbox(8);
        outbox.TryEnqueue(Durable);
        outbox.Complete(discardQueued: false);

        Assert.IsTrue(await outbox.WaitToReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        var batch = new List<OutboundFrame>();
        Assert.AreEqual(1, outbox.DrainTo(batch, 10));
        Assert.IsFalse(await outbox.WaitToReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [TestMethod]
    public async Task WaitToReadAsync_TokenCancelledWhileWaiting_Throws()
    {
        var outbox = new Outbox(8);
        using var stop = new CancellationTokenSource();
        var waiting = outbox.WaitToReadAsync(stop.Token).AsTask();
        await Task.Delay(50);
        Assert.IsFalse(waiting.IsCompleted, "nothing queued yet");

        await stop.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [TestMethod]
    public async Task WaitToReadAsync_ProducerOnAnotherThread_EveryFrameArrivesWithoutALostWakeUp()
    {
        // Wait, wake and wait again many times over one reused signal, racing the producer.
        const int frames = 20_000;
        var outbox = new Outbox(frames);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < frames; i++)
            {
                Assert.AreEqual(EnqueueResult.Queued, outbox.TryEnqueue(Durable));
                if (i % 64 == 0)
                {
                    await Task.Yield();
                }
            }
        });

        var received = 0;
        var batch = new List<OutboundFrame>();
        while (received < frames && await outbox.WaitToReadAsync(stop.Token))
        {
            batch.Clear();
            received += outbox.DrainTo(batch, 16);
        }

        await producer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.AreEqual(frames, received);
    }
}
