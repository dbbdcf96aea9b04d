namespace ChatService.Chat;

/// <summary>
/// Events per minute as an exponentially decaying count (time constant one minute): two numbers per
/// room instead of a window of buckets. Not thread-safe; the owner serializes calls.
/// </summary>
public struct RecentRate
{
    private const double TimeConstantMs = 60_000;

    private double _count;
    private long _at;

    public void Add(long nowMs)
    {
        _count = Decayed(nowMs) + 1;
        _at = nowMs;
    }

    /// <summary>About how many events the last minute held.</summary>
    public readonly double PerMinute(long nowMs) => Decayed(nowMs);

    private readonly double Decayed(long nowMs) => _at == 0 ? 0 : _count * Math.Exp(-(nowMs - _at) / TimeConstantMs);
}
