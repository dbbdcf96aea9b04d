namespace ChatService.Auth;

/// <summary>
/// How many failed logins a key (an account, a client address) may have: <see cref="Burst"/> at
/// once, then one more every 60 / <see cref="PerMinute"/> seconds; the next try waits until then.
/// </summary>
public sealed class FailureAllowance
{
    public int Burst { get; set; } = 10;

    public double PerMinute { get; set; } = 2;
}
