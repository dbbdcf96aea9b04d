using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace ChatService.Chat;

/// <summary>
/// Per-user token buckets, one partitioned limiter per kind of action, on System.Threading.RateLimiting.
/// A user's buckets are dropped by the library once they have been full (idle) for a while, so memory
/// follows the users who are active, not everyone who ever sent.
/// </summary>
public sealed class RateLimiter : IDisposable
{
    /// <summary>The partitioned limiter refills non-timer buckets on its own 100 ms heartbeat.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, PartitionedRateLimiter<string>> _byAction = new();

    /// <summary>Takes a token or throws RESOURCE_EXHAUSTED with the time until one is available.</summary>
    public void Take(string userId, string action, RateLimit limit)
    {
        var limiter = _byAction.GetOrAdd(action, static (_, limit) => Create(limit), limit);
        using var lease = limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
        {
            return;
        }

        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1 / limit.PerSecond);
        throw new ChatException(ChatErrorCode.ResourceExhausted,
            $"Too many {action} requests: at most {limit.PerSecond:0.#} per second. Try again in {Math.Ceiling(wait.TotalMilliseconds)} ms.",
            wait);
    }

    public void Dispose()
    {
        foreach (var limiter in _byAction.Values)
        {
            limiter.Dispose();
        }
    }

    private static PartitionedRateLimiter<string> Create(RateLimit limit)
    {
        var options = BucketOptions(limit);
        return PartitionedRateLimiter.Create<string, string>(userId => RateLimitPartition.GetTokenBucketLimiter(userId, _ => options));
    }

    /// <summary>
    /// Refilled by the partitioned limiter's heartbeat rather than a timer per bucket (a timer per
    /// active user and action would fire tens of thousands of times a second on a busy node), so the
    /// refill comes in steps no shorter than the heartbeat: one token per 1/rate below 10 per second,
    /// else rate/10 tokens every 100 ms.
    /// </summary>
    internal static TokenBucketRateLimiterOptions BucketOptions(RateLimit limit)
    {
        var perToken = TimeSpan.FromSeconds(1 / limit.PerSecond);
        var (period, tokens) = perToken >= Heartbeat ? (perToken, 1) : (Heartbeat, (int)Math.Round(limit.PerSecond * Heartbeat.TotalSeconds));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            AutoReplenishment = false,
            QueueLimit = 0,
        };
    }
}
