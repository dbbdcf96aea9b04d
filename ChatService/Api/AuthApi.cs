using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ChatGrpc.Contracts.V1;
using ChatService.Auth;
using ChatService.Chat;
using ChatService.Cluster;
using ChatService.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ChatService.Api;

/// <summary>chat.v1.AuthService: accounts and tokens. The only chat calls that need no token.</summary>
public sealed partial class AuthApi(
    IUserStore users, TokenService tokens, LoginGuard guard, RevokedSignIns revoked, ClusterRelay relay, AuthOptions options, TimeProvider time)
    : AuthService.AuthServiceBase
{
    private const int MinPasswordLength = 8;

    private const string WrongCredentials = "Wrong user name or password.";

    public override Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context) =>
        ErrorMapping.Unary(() => RegisterAsync(request, ClientAddress(context), context.CancellationToken));

    public override Task<LoginResponse> Login(LoginRequest request, ServerCallContext context) =>
        ErrorMapping.Unary(() => LoginAsync(request, ClientAddress(context), context.CancellationToken));

    public override Task<RefreshResponse> Refresh(RefreshRequest request, ServerCallContext context) => ErrorMapping.Unary(() => RefreshAsync(request));

    public override Task<LogoutResponse> Logout(LogoutRequest request, ServerCallContext context) => ErrorMapping.Unary(() => LogoutAsync(request));

    /// <summary>Creates a user unless the name is taken. Used by Register and by the bootstrap admin.</summary>
    public async Task<UserRecord> CreateUserAsync(string userName, string password, Role role, CancellationToken cancellationToken = default)
    {
        if (!UserNamePattern().IsMatch(userName))
        {
            throw ChatException.InvalidArgument("A user name is 3-32 letters, digits, '-', '_' or '.'.");
        }

        if (password.Length < MinPasswordLength)
        {
            throw ChatException.InvalidArgument($"A password needs at least {MinPasswordLength} characters.");
        }

        var (hash, salt) = await HashAsync(() => PasswordHasher.Hash(password, options.PasswordIterations), cancellationToken).ConfigureAwait(false);
        try
        {
            return await users.CreateAsync(userName, hash, salt, options.PasswordIterations, role).ConfigureAwait(false);
        }
        catch (DuplicateException ex)
        {
            throw new ChatException(ChatErrorCode.AlreadyExists, ex.Message);
        }
    }

    private async Task<RegisterResponse> RegisterAsync(RegisterRequest request, string address, CancellationToken cancellationToken)
    {
        await RefuseWhileLockedAsync(account: null, address, cancellationToken).ConfigureAwait(false);
        UserRecord user;
        try
        {
            user = await CreateUserAsync(request.UserName, request.Password, Role.Member, cancellationToken).ConfigureAwait(false);
        }
        catch (ChatException ex) when (ex.Code == ChatErrorCode.AlreadyExists)
        {
            // The one answer that tells a name exists: trying names one by one spends the address's allowance.
            guard.Failed(address);
            throw;
        }

        return new RegisterResponse { User = user.ToProto(), Tokens = await IssueAsync(user, TokenService.NewSignIn()).ConfigureAwait(false) };
    }

    private async Task<LoginResponse> LoginAsync(LoginRequest request, string address, CancellationToken cancellationToken)
    {
        if (!UserNamePattern().IsMatch(request.UserName))
        {
            // No account can have such a name, and the pattern is public: nothing to hide, nothing to hash.
            guard.Failed(address);
            throw await SlowRefusalAsync(new ChatException(ChatErrorCode.Unauthenticated, WrongCredentials), cancellationToken).ConfigureAwait(false);
        }

        await RefuseWhileLockedAsync(request.UserName, address, cancellationToken).ConfigureAwait(false);
        var user = await users.FindByNameAsync(request.UserName).ConfigureAwait(false);
        // An unknown name costs a hash too, so the answer takes as long as a wrong password's.
        var matches = await HashAsync(
            () =>
            {
                if (user is null)
                {
                    PasswordHasher.Spend(request.Password, options.PasswordIterations);
                    return false;
                }

                return PasswordHasher.Verify(request.Password, user.PasswordHash, user.PasswordSalt, user.Iterations);
            },
            cancellationToken).ConfigureAwait(false);
        if (!matches || user is null)
        {
            guard.Failed(request.UserName, address);
            throw new ChatException(ChatErrorCode.Unauthenticated, WrongCredentials);
        }

        return new LoginResponse { User = user.ToProto(), Tokens = await IssueAsync(user, TokenService.NewSignIn()).ConfigureAwait(false) };
    }

    private async Task<RefreshResponse> RefreshAsync(RefreshRequest request)
    {
        var use = await users.UseRefreshTokenAsync(TokenService.HashRefreshToken(request.RefreshToken), time.GetUtcNow()).ConfigureAwait(false);
        if (use.State == RefreshTokenState.Reused)
        {
            // Whoever holds the newer token of this family may be the thief: end the sign-in for everyone who has it.
            EndSignIn(use, "A refresh token of this sign-in was used twice, which looks like a stolen copy; the sign-in was ended. Log in again.");
        }

        var user = use.State == RefreshTokenState.Valid ? await users.FindByIdAsync(use.UserId).ConfigureAwait(false) : null;
        if (user is null)
        {
            throw new ChatException(ChatErrorCode.Unauthenticated, use.State switch
            {
                RefreshTokenState.Reused => "This refresh token was already used, so the sign-in was ended; log in again.",
                RefreshTokenState.Expired => "The refresh token has expired; log in again.",
                _ => "The refresh token is unknown; log in again.",
            });
        }

        return new RefreshResponse { User = user.ToProto(), Tokens = await IssueAsync(user, use.Family).ConfigureAwait(false) };
    }

    private async Task<LogoutResponse> LogoutAsync(LogoutRequest request)
    {
        // An unknown or already revoked token is logged out already: nothing to refuse.
        if (await users.RevokeRefreshFamilyAsync(TokenService.HashRefreshToken(request.RefreshToken)).ConfigureAwait(false) is { } use)
        {
            EndSignIn(use, "Logged out.");
        }

        return new LogoutResponse();
    }

    private void EndSignIn(RefreshTokenUse use, string message)
    {
        revoked.Revoke(use.Family);
        relay.EndSignIn(use.UserId, use.Family, message);
    }

    private async Task<Tokens> IssueAsync(UserRecord user, string signIn)
    {
        var (access, expires) = tokens.CreateAccessToken(user.Id, user.Name, user.Role, signIn);
        var refresh = TokenService.NewRefreshToken();
        await users.StoreRefreshTokenAsync(TokenService.HashRefreshToken(refresh), user.Id, signIn, time.GetUtcNow() + options.RefreshTokenLifetime).ConfigureAwait(false);
        return new Tokens { AccessToken = access, AccessTokenExpiresAt = Timestamp.FromDateTimeOffset(expires), RefreshToken = refresh };
    }

    private async Task RefuseWhileLockedAsync(string? account, string address, CancellationToken cancellationToken)
    {
        if (guard.WaitBeforeTry(account, address) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            throw await SlowRefusalAsync(
                new ChatException(ChatErrorCode.ResourceExhausted, $"Too many failed attempts from here or for this account; try again in {seconds} s.", wait),
                cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<T> HashAsync<T>(Func<T> hash, CancellationToken cancellationToken)
    {
        var (ran, result) = await guard.HashAsync(hash, cancellationToken).ConfigureAwait(false);
        return ran
            ? result
            : throw await SlowRefusalAsync(
                new ChatException(ChatErrorCode.ResourceExhausted, "The server is busy checking other passwords; try again in a second.", TimeSpan.FromSeconds(1)),
                cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A refusal that costs no hash still waits before it is sent: answered at once, 64 guessing loops
    /// came back some 3,900 times a second, and those calls alone took the CPU from chat traffic
    /// (History p99 116 ms during the flood, 14 ms with the wait; bench/auth-results.md). A wait costs only a timer.
    /// </summary>
    private async Task<ChatException> SlowRefusalAsync(ChatException refusal, CancellationToken cancellationToken)
    {
        await Task.Delay(options.RefusalDelay, time, cancellationToken).ConfigureAwait(false);
        return refusal;
    }

    private static string ClientAddress(ServerCallContext context)
    {
        var address = context.GetHttpContext().Connection.RemoteIpAddress;
        return (address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address ?? IPAddress.None).ToString();
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,32}$")]
    private static partial Regex UserNamePattern();
}
