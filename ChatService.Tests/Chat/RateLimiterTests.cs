using ChatService.Chat;

namespace ChatService.Tests.Chat;

[TestClass]
public sealed class RateLimiterTests
{
    [TestMethod]
    public void Take_BurstUsedUp_ResourceExhaustedWithRetryAfter()
    {
        using var limiter = new RateLimiter();
        var limit = new RateLimit(1, 2);
        limiter.Take("alice", "send", limit);
        limiter.Take("alice", "send", limit);

        var refused = Assert.ThrowsExactly<ChatException>(() => limiter.Take("alice", "send", limit));

        Assert.AreEqual(ChatErrorCode.ResourceExhausted, refused.Code);
        Assert.IsTrue(refused.RetryAfter > TimeSpan.Zero && refused.RetryAfter <= TimeSpan.FromSeconds(1), $"retry after {refused.RetryAfter}");
        StringAssert.Contains(refused.Message, "at most 1 per second");
    }

    [TestMethod]
    public void Take_OneUserLimited_OtherUsersAndActionsAreNot()
    {
        using var limiter = new RateLimiter();
        var limit = new RateLimit(1, 1);
        limiter.Take("alice", "send", limit);
        Assert.ThrowsExactly<ChatException>(() => limiter.Take("alice", "send", limit));

        limiter.Take("bob", "send", limit);
        limiter.Take("alice", "join", limit);
    }

    [TestMethod]
    [DataRow(5.0)]
    [DataRow(50.0)]
    public async Task Take_AfterTheRefillStep_AllowedAgain(double perSecond)
    {
        using var limiter = new RateLimiter();
        var limit = new RateLimit(perSecond, 1);
        limiter.Take("alice", "send", limit);
        Assert.ThrowsExactly<ChatException>(() => limiter.Take("alice", "send", limit));

        var refilled = false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!refilled && !timeout.IsCancellationRequested)
        {
            await Task.Delay(50);
            try
            {
                limiter.Take("alice", "send", limit);
                refilled = true;
            }
            catch (ChatException error) when (error.Code == ChatErrorCode.ResourceExhausted)
            {
                // Not refilled yet; the loop's deadline decides.
            }
        }

        Assert.IsTrue(refilled, "a token came back within 5 s");
    }

    [TestMethod]
    [DataRow(1.0, 1, 1000)]
    [DataRow(5.0, 1, 200)]
    [DataRow(10.0, 1, 100)]
    [DataRow(1000.0, 100, 100)]
    public void BucketOptions_Rate_StepsNoShorterThanTheHeartbeat(double perSecond, int tokens, int periodMs)
    {
        var options = RateLimiter.BucketOptions(new RateLimit(perSecond, 20));

        Assert.AreEqual(tokens, options.TokensPerPeriod);
        Assert.AreEqual(TimeSpan.FromMilliseconds(periodMs), options.ReplenishmentPeriod);
        Assert.AreEqual(20, options.TokenLimit);
        Assert.AreEqual(0, options.QueueLimit);
    }
}
