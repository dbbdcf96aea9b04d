using System.Diagnostics;
using ChatService.Api;

namespace ChatService.Tests.Api;

/// <summary>A stream's frames per interval, on timestamps the test chooses.</summary>
[TestClass]
public sealed class StreamPaceTests
{
    private static readonly long Interval = 2 * Stopwatch.Frequency / 1000;

    [TestMethod]
    [DataRow(1, 1.0)] // one frame per flush, a flush per interval
    [DataRow(4, 0.5)] // four frames per flush, a flush every half interval: 8 per interval
    [DataRow(10, 2.0)] // ten frames every two intervals: 5 per interval
    public void Flushed_SteadyStream_ConvergesOnItsRateHoweverBatched(int framesPerFlush, double intervalsBetweenFlushes)
    {
        var pace = default(StreamPace);
        var step = (long)(Interval * intervalsBetweenFlushes);
        for (var i = 1; i <= 200; i++)
        {
            pace.Flushed(framesPerFlush, i * step, Interval);
        }

        var expected = framesPerFlush / intervalsBetweenFlushes;
        Assert.AreEqual(expected, pace.FramesPerInterval, expected * 0.05);
        Assert.AreEqual(200 * step, pace.LastFlush);
    }

    [TestMethod]
    public void Flushed_AfterAQuietSpellOfFourIntervals_ForgetsTheEarlierRate()
    {
        var pace = default(StreamPace);
        for (var i = 1; i <= 100; i++)
        {
            pace.Flushed(20, i * Interval, Interval);
        }

        Assert.IsTrue(pace.FramesPerInterval > 15, $"busy: {pace.FramesPerInterval:0.0}");

        pace.Flushed(1, 104 * Interval, Interval);

        Assert.AreEqual(0.25, pace.FramesPerInterval, 1e-9, "only the one frame after the pause counts");
    }

    [TestMethod]
    public void Flushed_First_CountsOnlyItsOwnFrames()
    {
        var pace = default(StreamPace);

        pace.Flushed(8, Stopwatch.GetTimestamp(), Interval);

        Assert.AreEqual(2.0, pace.FramesPerInterval, 1e-9);
    }
}
