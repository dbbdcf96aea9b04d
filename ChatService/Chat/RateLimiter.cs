using System.Collections.Concurrent;

namespace ChatService.Chat;

/// <summary>Per-user token buckets, one set per kind of action. Time comes from <see cref="TimeProvider"/> so tests control it.</summary>
public sealed class RateLimiter(TimeProvider time)
{
    private readonly ConcurrentDictionary<(string UserId, string Action), Bucket> _buckets = new();

    /// <summary>Takes a token or throws RESOURCE_EXHAUSTED with the time until one is available.</summary>
    public void Take(string userId, string action, RateLimit limit)
    {
        var bucket = _buckets.GetOrAdd((userId, action), _ => new Bucket(limit.Burst, time.GetTimestamp()));
        var wait = bucket.TryTake(limit, time);
        if (wait > TimeSpan.Zero)
        {
            throw new ChatException(ChatErrorCode.ResourceExhausted,
                $"Too many {action} requests: at most {limit.PerSecond:0.#} per second. Try again in {Math.Ceiling(wait.TotalMilliseconds)} ms.",
                wait);
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        private double _tokens = tokens;
        private long _stamp = stamp;

        public TimeSpan TryTake(RateLimit limit, TimeProvider time)
        {
            lock (this)
            {
                var now = time.GetTimestamp();
                _tokens = Math.Min(limit.Burst, _tokens + time.GetElapsedTime(_stamp, now).TotalSeconds * limit.PerSecond);
                _stamp = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return TimeSpan.Zero;
                }

                return TimeSpan.FromSeconds((1 - _tokens) / limit.PerSecond);
            }
        }
    }
}
