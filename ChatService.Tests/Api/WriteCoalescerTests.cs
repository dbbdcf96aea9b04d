using System.Diagnostics;
using ChatService.Api;

namespace ChatService.Tests.Api;

/// <summary>The shared tick that lets busy streams gather frames, in isolation.</summary>
[TestClass]
public sealed class WriteCoalescerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [TestMethod]
    [DataRow(0.5)]
    [DataRow(101.0)]
    [DataRow(-1.0)]
    public void Constructor_IntervalOutOfRange_ThrowsNamingTheSetting(double milliseconds)
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new WriteCoalescer(TimeSpan.FromMilliseconds(milliseconds)));

        StringAssert.Contains(error.Message, "Endpoints:WriteCoalescing");
    }

    [TestMethod]
    public void ShouldGather_Off_NeverGathers()
    {
        using var coalescer = new WriteCoalescer(TimeSpan.Zero);
        var now = Stopwatch.GetTimestamp();

        Assert.IsFalse(coalescer.ShouldGather(now, now));
    }

    [TestMethod]
    public void ShouldGather_FlushedWithinTheInterval_GathersAndAfterItDoesNot()
    {
        using var coalescer = new WriteCoalescer(TimeSpan.FromMilliseconds(10));
        var now = Stopwatch.GetTimestamp();

        Assert.IsTrue(coalescer.ShouldGather(now - Stopwatch.Frequency / 1000, now), "flushed 1 ms ago");
        Assert.IsFalse(coalescer.ShouldGather(now - Stopwatch.Frequency / 50, now), "flushed 20 ms ago");
        Assert.IsFalse(coalescer.ShouldGather(0, now), "never flushed");
    }

    [TestMethod]
    public async Task NextTick_TwoWaiters_ShareOneTickThatCompletes()
    {
        using var coalescer = new WriteCoalescer(TimeSpan.FromMilliseconds(2));

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
        var coalescer = new WriteCoalescer(TimeSpan.FromMilliseconds(100));
        var waiting = coalescer.NextTick();

        coalescer.Dispose();

        await waiting.WaitAsync(Timeout);
        Assert.IsTrue(coalescer.NextTick().IsCompleted);
    }
}
