using System.Diagnostics;
using ChatService.Api;

namespace ChatService.Tests.Api;

/// <summary>The shared tick that lets busy streams gather frames, in isolation.</summary>
[TestClass]
public sealed class WriteCoalescerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly long Millisecond = Stopwatch.Frequency / 1000;

    [TestMethod]
    [DataRow(0.5)]
    [DataRow(101.0)]
    [DataRow(-1.0)]
    public void Constructor_IntervalOutOfRange_ThrowsNamingTheSetting(double milliseconds)
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new WriteCoalescer(TimeSpan.FromMilliseconds(milliseconds), minFrames: 0));

        StringAssert.Contains(error.Message, "Endpoints:WriteCoalescing");
    }

    [TestMethod]
    public void Constructor_MinFramesOutOfRange_ThrowsNamingTheSetting()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new WriteCoalescer(TimeSpan.FromMilliseconds(2), double.NaN));

        StringAssert.Contains(error.Message, "Endpoints:WriteCoalescingMinFrames");
    }

    [TestMethod]
    public void ShouldGather_Off_NeverGathers()
    {
        using var coalescer = new WriteCoalescer(TimeSpan.Zero, minFrames: 0);
        var now = Stopwatch.GetTimestamp();
        var pace = PaceOf(coalescer, framesPerMillisecond: 10, until: now);

        Assert.IsFalse(coalescer.ShouldGather(pace, now));
    }

    [TestMethod]
    public void ShouldGather_FlushedWithinTheInterval_GathersAndAfterItDoesNot()
    {
        using var coalescer = new WriteCoalescer(TimeSpan.FromMilliseconds(10), minFrames: 0);
        var now = Stopwatch.GetTimestamp();

        Assert.IsTrue(coalescer.ShouldGather(PaceOf(coalescer, 1, until: now - Millisecond), now), "flushed 1 ms ago");
        Assert.IsFalse(coalescer.ShouldGather(PaceOf(coalescer, 1, until: now - 20 * Millisecond), now), "flushed 20 ms ago");
        Assert.IsFalse(coalescer.ShouldGather(default, now), "never flushed");
    }

    [TestMethod]
    [DataRow(0.75, false)] // a room of 100 at 750 msg/s: 1.5 frames per 2 ms
    [DataRow(2.0, true)] // 4 per interval
    public void ShouldGather_JustFlushed_GathersOnlyAStreamGettingSeveralFramesPerInterval(double framesPerMillisecond, bool gathers)
    {
        using var coalescer = new WriteCoalescer(TimeSpan.FromMilliseconds(2), minFrames: 3);
        var now = Stopwatch.GetTimestamp();
        var pace = PaceOf(coalescer, framesPerMillisecond, until: now - Millisecond / 10);

        Assert.AreEqual(gathers, coalescer.ShouldGather(pace, now), $"{pace.FramesPerInterval:0.00} frames per interval");
    }

    /// <summary>A pace after 50 ms of single-frame flushes at the given rate, the last at <paramref name="until"/>.</summary>
    private static StreamPace PaceOf(WriteCoalescer coalescer, double framesPerMillisecond, long until)
    {
        var pace = default(StreamPace);
        var step = (long)(Millisecond / framesPerMillisecond);
        for (var t = until - 50 * Millisecond; t <= until; t += step)
        {
            coalescer.Flushed(ref pace, 1, t);
        }

        return pace;
    }

    [TestMethod]
    public async Task NextTick_TwoWaiters_ShareOneTickThatCompletes()
    {
        using var coalescer = new WriteCoalescer(TimeSpan.FromMilliseconds(2), minFrames: 0);

        var first = coalescer.NextTick();
        var second = coalescer.NextTick();

        Assert.AreSame(first, second, "waiters of one tick share its task");
        await first.WaitAsync(Timeout);
        var later = coalescer.NextTick();
        Assert.AreNotSame(first, later, "a tick that passed is not reused");
        await later.WaitAsync(Timeout);
    }

    [TestMethod]
    public async Task Dispose_WhileAStreamWaits_ReleasesItAndLaterWaitsDoNotBlock()
    {
        var coalescer = new WriteCoalescer(TimeSpan.FromMilliseconds(100), minFrames: 0);
        var waiting = coalescer.NextTick();

        coalescer.Dispose();

        await waiting.WaitAsync(Timeout);
        Assert.IsTrue(coalescer.NextTick().IsCompleted);
    }
}
