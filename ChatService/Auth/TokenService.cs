using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using ChatGrpc.Contracts.V1;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatService.Auth;

/// <summary>Who a valid access token says the caller is, and the sign-in (login) it was issued under.</summary>
public sealed record AuthenticatedUser(string Id, string Name, Role Role, DateTimeOffset ExpiresAt, string SignIn);

/// <summary>Issues and checks HS256 JWT access tokens, and mints opaque refresh tokens.</summary>
public sealed class TokenService
{
    private const string RoleClaim = "role";
    private const string NameClaim = "name";
    private const string SignInClaim = "sid";

    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly SymmetricSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TokenService(AuthOptions options, SigningKey signingKey, TimeProvider time)
    {
        _options = options;
        _time = time;
        _key = new SymmetricSecurityKey(signingKey.Bytes);
        ValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Issuer,
            IssuerSigningKey = _key,
            // Pinned: a token cannot choose its own algorithm (no "none", no RS/HS confusion).
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.Zero,
            NameClaimType = NameClaim,
            RoleClaimType = RoleClaim,
            // Lifetime on the injected clock, so tests that move time see tokens expire.
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = _time.GetUtcNow().UtcDateTime;
                return (notBefore is null || notBefore <= now) && expires is not null && expires > now;
            },
        };
    }

    /// <summary>How every access token is checked: by JwtBearer on each call, and here for in-band refreshes.</summary>
    public TokenValidationParameters ValidationParameters { get; }

    /// <summary>An access token; <paramref name="signIn"/> is the refresh-token family it belongs to, so revoking that family refuses it too.</summary>
    public (string Token, DateTimeOffset ExpiresAt) CreateAccessToken(string userId, string userName, Role role, string signIn)
    {
        var now = _time.GetUtcNow();
        var expires = now + _options.AccessTokenLifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Issuer,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId),
                new Claim(NameClaim, userName),
                new Claim(RoleClaim, role.ToString()),
                new Claim(SignInClaim, signIn),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            ]),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
        return (token, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>Validates a token; on failure returns null and a reason fit to show the caller.</summary>
    public async Task<(AuthenticatedUser? User, string? Failure)> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, ValidationParameters).ConfigureAwait(false);
        return result.IsValid ? (FromClaims(new ClaimsPrincipal(result.ClaimsIdentity)), null) : (null, DescribeFailure(result.Exception));
    }

    /// <summary>The caller a validated token names; null if the principal did not come from one of our tokens.</summary>
    public static AuthenticatedUser? FromClaims(ClaimsPrincipal principal)
    {
        var id = principal.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
        var name = principal.FindFirst(NameClaim)?.Value;
        if (id is null || name is null || !long.TryParse(principal.FindFirst(JwtRegisteredClaimNames.Exp)?.Value, out var expires))
        {
            return null;
        }

        var role = Enum.TryParse<Role>(principal.FindFirst(RoleClaim)?.Value, out var parsed) ? parsed : Role.Member;
        // Tokens issued before sign-ins existed have none; they can only be refused by expiring.
        var signIn = principal.FindFirst(SignInClaim)?.Value ?? "";
        return new AuthenticatedUser(id, name, role, DateTimeOffset.FromUnixTimeSeconds(expires), signIn);
    }

    /// <summary>
    /// The principal a call carries once its token is validated: just the claims <see cref="FromClaims"/> reads. A stream
    /// keeps its principal for as long as it is open, and the validator's own (every claim twice, each with a properties
    /// dictionary, plus the parsed token) cost about 7 KiB of each idle session's 53 (heap dumps of 5,000 sessions).
    /// </summary>
    public static ClaimsPrincipal CompactPrincipal(AuthenticatedUser user, string authenticationType) => new(new ClaimsIdentity(
        [
            new Claim(JwtRegisteredClaimNames.Sub, user.Id),
            new Claim(NameClaim, user.Name),
            new Claim(RoleClaim, user.Role.ToString()),
            new Claim(SignInClaim, user.SignIn),
            new Claim(JwtRegisteredClaimNames.Exp, user.ExpiresAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ],
        authenticationType,
        NameClaim,
        RoleClaim));

    /// <summary>A token's rejection as the caller should read it; never the validator's own text, which can echo the token.</summary>
    public static string DescribeFailure(Exception? failure) => failure switch
    {
        SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException => "The access token has expired; refresh it with AuthService.Refresh or log in again.",
        SignInEndedException ended => ended.Message,
        _ => "The access token is not valid.",
    };

    public static string NewRefreshToken() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The id of a new sign-in: the family its refresh tokens and access tokens share.</summary>
    public static string NewSignIn() => Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();

    public static byte[] HashRefreshToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}

/// <summary>
/// The HS256 key: configured; or on a cluster generated once and kept in the shared database; or
/// generated once and kept (owner-only) next to the embedded database.
/// </summary>
public sealed class SigningKey
{
    private SigningKey(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }

    public static SigningKey Resolve(AuthOptions options, string dataDirectory, ILogger logger, Func<string>? shared = null)
    {
        if (options.SigningKey.Length > 0)
        {
            var bytes = options.SigningKey.StartsWith("base64:", StringComparison.Ordinal)
                ? Convert.FromBase64String(options.SigningKey["base64:".Length..])
                : Encoding.UTF8.GetBytes(options.SigningKey);
            if (bytes.Length < 32)
            {
                throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes; HS256 with a shorter key can be brute-forced.");
            }

            return new SigningKey(bytes);
        }

        if (shared is not null)
        {
            logger.LogInformation("No Auth:SigningKey configured; using the cluster's key kept in the shared database.");
            return new SigningKey(Convert.FromBase64String(shared()));
        }

        var path = Path.Combine(dataDirectory, "jwt-signing.key");
        if (File.Exists(path))
        {
            return new SigningKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
        }

        Directory.CreateDirectory(dataDirectory);
        var generated = RandomNumberGenerator.GetBytes(32);
        File.WriteAllText(path, Convert.ToBase64String(generated));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        logger.LogWarning("No Auth:SigningKey configured; generated one at {Path}. Configure a shared key before running more than one node.", path);
        return new SigningKey(generated);
    }
}
