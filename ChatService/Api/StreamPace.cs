namespace ChatService.Api;

/// <summary>
/// How fast one stream has been getting frames: when it last flushed, and how many frames it has
/// written per coalescing interval, averaged over about four intervals. Kept by the stream's writer
/// loop, read by <see cref="WriteCoalescer"/> to decide whether the next frame should wait for company.
/// </summary>
public struct StreamPace
{
    /// <summary>Stopwatch timestamp of the last flush; 0 before the first.</summary>
    public long LastFlush { get; private set; }

    public double FramesPerInterval { get; private set; }

    /// <summary>
    /// A time-weighted moving average: each flush adds its frames and the past fades by the time
    /// since the last flush, so in a steady stream the figure is its rate times the interval however
    /// the frames happened to be batched, and a quiet spell of four intervals forgets it.
    /// </summary>
    public void Flushed(int frames, long now, long intervalTicks)
    {
        const double Span = 4;
        var keep = LastFlush == 0 || intervalTicks <= 0 ? 0 : Math.Max(0, 1 - (now - LastFlush) / (Span * intervalTicks));
        FramesPerInterval = FramesPerInterval * keep + frames / Span;
        LastFlush = now;
    }
}
