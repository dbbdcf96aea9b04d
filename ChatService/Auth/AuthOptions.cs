namespace ChatService.Auth;

/// <summary>Bound from the "Auth" section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HS256 key, at least 32 bytes of text (or "base64:..."). Empty: generate one and keep it in the data directory.</summary>
    public string SigningKey { get; set; } = "";

    public string Issuer { get; set; } = "chatgrpc";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>PBKDF2-HMAC-SHA512 iterations for new password hashes (OWASP's 2023 figure).</summary>
    public int PasswordIterations { get; set; } = 210_000;

    /// <summary>Failed logins one account may have before the next try must wait (also for the right password).</summary>
    public FailureAllowance AccountFailures { get; set; } = new() { Burst = 10, PerMinute = 2 };

    /// <summary>Failed logins and registrations for taken names one client address may have before it must wait.</summary>
    public FailureAllowance AddressFailures { get; set; } = new() { Burst = 50, PerMinute = 30 };

    /// <summary>How long a refused login or registration (locked out, hash queue full, impossible name) waits before its answer.</summary>
    public TimeSpan RefusalDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Password hashes computed at once; 0: half the cores, at least one.</summary>
    public int ConcurrentPasswordHashes { get; set; }

    /// <summary>Logins and registrations that may wait for a hash; more are refused with RESOURCE_EXHAUSTED at once.</summary>
    public int PasswordHashQueue { get; set; } = 16;

    /// <summary>Created as an admin on start if no user of that name exists.</summary>
    public string BootstrapAdminUser { get; set; } = "";

    public string BootstrapAdminPassword { get; set; } = "";
}
