using System.Text.RegularExpressions;
using ChatGrpc.Contracts.V1;
using ChatService.Auth;
using ChatService.Chat;
using ChatService.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ChatService.Api;

/// <summary>chat.v1.AuthService: accounts and tokens. The only chat calls that need no token.</summary>
public sealed partial class AuthApi(IUserStore users, TokenService tokens, AuthOptions options, TimeProvider time) : AuthService.AuthServiceBase
{
    private const int MinPasswordLength = 8;

    public override Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context) => ErrorMapping.Unary(() => RegisterAsync(request));

    public override Task<LoginResponse> Login(LoginRequest request, ServerCallContext context) => ErrorMapping.Unary(() => LoginAsync(request));

    public override Task<RefreshResponse> Refresh(RefreshRequest request, ServerCallContext context) => ErrorMapping.Unary(() => RefreshAsync(request));

    /// <summary>Creates a user unless the name is taken. Used by Register and by the bootstrap admin.</summary>
    public async Task<UserRecord> CreateUserAsync(string userName, string password, Role role)
    {
        if (!UserNamePattern().IsMatch(userName))
        {
            throw ChatException.InvalidArgument("A user name is 3-32 letters, digits, '-', '_' or '.'.");
        }

        if (password.Length < MinPasswordLength)
        {
            throw ChatException.InvalidArgument($"A password needs at least {MinPasswordLength} characters.");
        }

        var (hash, salt) = PasswordHasher.Hash(password, options.PasswordIterations);
        try
        {
            return await users.CreateAsync(userName, hash, salt, options.PasswordIterations, role).ConfigureAwait(false);
        }
        catch (DuplicateException ex)
        {
            throw new ChatException(ChatErrorCode.AlreadyExists, ex.Message);
        }
    }

    private async Task<RegisterResponse> RegisterAsync(RegisterRequest request)
    {
        var user = await CreateUserAsync(request.UserName, request.Password, Role.Member).ConfigureAwait(false);
        return new RegisterResponse { User = user.ToProto(), Tokens = await IssueAsync(user).ConfigureAwait(false) };
    }

    private async Task<LoginResponse> LoginAsync(LoginRequest request)
    {
        var user = await users.FindByNameAsync(request.UserName).ConfigureAwait(false);
        // One message for both cases, so the answer does not reveal which user names exist.
        if (user is null || !PasswordHasher.Verify(request.Password, user.PasswordHash, user.PasswordSalt, user.Iterations))
        {
            throw new ChatException(ChatErrorCode.Unauthenticated, "Wrong user name or password.");
        }

        return new LoginResponse { User = user.ToProto(), Tokens = await IssueAsync(user).ConfigureAwait(false) };
    }

    private async Task<RefreshResponse> RefreshAsync(RefreshRequest request)
    {
        var userId = await users.ConsumeRefreshTokenAsync(TokenService.HashRefreshToken(request.RefreshToken), time.GetUtcNow()).ConfigureAwait(false);
        var user = userId is null ? null : await users.FindByIdAsync(userId).ConfigureAwait(false);
        if (user is null)
        {
            throw new ChatException(ChatErrorCode.Unauthenticated, "The refresh token is unknown, used or expired; log in again.");
        }

        return new RefreshResponse { User = user.ToProto(), Tokens = await IssueAsync(user).ConfigureAwait(false) };
    }

    private async Task<Tokens> IssueAsync(UserRecord user)
    {
        var (access, expires) = tokens.CreateAccessToken(user.Id, user.Name, user.Role);
        var refresh = TokenService.NewRefreshToken();
        await users.StoreRefreshTokenAsync(TokenService.HashRefreshToken(refresh), user.Id, time.GetUtcNow() + options.RefreshTokenLifetime).ConfigureAwait(false);
        return new Tokens { AccessToken = access, AccessTokenExpiresAt = Timestamp.FromDateTimeOffset(expires), RefreshToken = refresh };
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,32}$")]
    private static partial Regex UserNamePattern();
}
