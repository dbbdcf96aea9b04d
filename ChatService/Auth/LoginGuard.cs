using System.Threading.RateLimiting;

namespace ChatService.Auth;

/// <summary>
/// What stands between a caller and PBKDF2. Failed logins spend an account's and a client address's
/// allowance, so guessing stops after a few tries per account and a few dozen per address; and only a
/// few hashes run at once, with a short queue that refuses when full, so a flood of logins
/// (each about 150 ms of CPU) cannot take every core away from chat traffic.
/// </summary>
public sealed class LoginGuard : IDisposable
{
    private readonly PartitionedRateLimiter<string> _accountFailures;
    private readonly PartitionedRateLimiter<string> _addressFailures;
    private readonly ConcurrencyLimiter _hashing;
    private readonly HashThreads _hashThreads;
    private readonly TimeSpan _accountPeriod;
    private readonly TimeSpan _addressPeriod;

    public LoginGuard(AuthOptions options)
    {
        (_accountFailures, _accountPeriod) = Create(options.AccountFailures);
        (_addressFailures, _addressPeriod) = Create(options.AddressFailures);
        var concurrentHashes = options.ConcurrentPasswordHashes > 0 ? options.ConcurrentPasswordHashes : Math.Max(1, Environment.ProcessorCount / 2);
        _hashThreads = new HashThreads(concurrentHashes);
        _hashing = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = concurrentHashes,
            QueueLimit = Math.Max(0, options.PasswordHashQueue),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>At most how long this account (if any) or address must wait before another try (one refill period), or null when it may try now.</summary>
    public TimeSpan? WaitBeforeTry(string? account, string address)
    {
        // Reading the bucket spends nothing: only failures spend. (Acquiring zero permits would not do:
        // the bucket refills in fractions between heartbeats, and any fraction counts as "some left".)
        if (account is not null && Spent(_accountFailures, AccountKey(account)))
        {
            return _accountPeriod;
        }

        return Spent(_addressFailures, address) ? _addressPeriod : null;
    }

    /// <summary>Spends one failure of the account's and the address's allowance.</summary>
    public void Failed(string account, string address)
    {
        _accountFailures.AttemptAcquire(AccountKey(account)).Dispose();
        _addressFailures.AttemptAcquire(address).Dispose();
    }

    /// <summary>Spends one failure of the address's allowance only (a registration for a taken name).</summary>
    public void Failed(string address) => _addressFailures.AttemptAcquire(address).Dispose();

    /// <summary>Runs a password hash within the bound on concurrent hashes; false when the queue is full.</summary>
    public async Task<(bool Ran, T Result)> HashAsync<T>(Func<T> hash, CancellationToken cancellationToken)
    {
        using var lease = await _hashing.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            return (false, default!);
        }

        return (true, await _hashThreads.RunAsync(hash).ConfigureAwait(false));
    }

    public void Dispose()
    {
        _accountFailures.Dispose();
        _addressFailures.Dispose();
        _hashing.Dispose();
        _hashThreads.Dispose();
    }

    // Names are unique regardless of case, so "Alice" and "alice" share one allowance.
    private static string AccountKey(string account) => account.ToLowerInvariant();

    private static bool Spent(PartitionedRateLimiter<string> failures, string key) => failures.GetStatistics(key)?.CurrentAvailablePermits < 1;

    private static (PartitionedRateLimiter<string> Limiter, TimeSpan Period) Create(FailureAllowance allowance)
    {
        var period = TimeSpan.FromMinutes(1 / Math.Max(allowance.PerMinute, 0.001));
        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, allowance.Burst),
            TokensPerPeriod = 1,
            ReplenishmentPeriod = period,
            // The partitioned limiter refills every bucket on its own heartbeat; no timer per key.
            AutoReplenishment = false,
            QueueLimit = 0,
        };
        return (PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => options)), period);
    }
}
