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

    /// <summary>Created as an admin on start if no user of that name exists.</summary>
    public string BootstrapAdminUser { get; set; } = "";

    public string BootstrapAdminPassword { get; set; } = "";
}
