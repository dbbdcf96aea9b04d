using ChatService.Auth;
using ChatService.Chat;
using Grpc.Core;

namespace ChatService.Api;

/// <summary>
/// Who is calling. JwtBearer has already validated the call's token and the authorization policies
/// have let it through; this reads the result. In-band refreshes on a stream are validated here.
/// </summary>
public sealed class CallAuthenticator(TokenService tokens, RevokedSignIns revoked)
{
    /// <summary>The authenticated caller. Only reached on endpoints that require authorization, so a missing user is a wiring bug.</summary>
    public static AuthenticatedUser Caller(ServerCallContext context) =>
        TokenService.FromClaims(context.GetHttpContext().User)
        ?? throw new ChatException(ChatErrorCode.Unauthenticated, "This call needs an access token.");

    public async Task<AuthenticatedUser> ValidateAsync(string token)
    {
        var (user, failure) = await tokens.ValidateAsync(token).ConfigureAwait(false);
        if (user is not null && revoked.IsRevoked(user.SignIn))
        {
            throw new ChatException(ChatErrorCode.Unauthenticated, new SignInEndedException().Message);
        }

        return user ?? throw new ChatException(ChatErrorCode.Unauthenticated, failure!);
    }

    public static ChatUser ToChatUser(AuthenticatedUser user) => new(user.Id, user.Name, user.Role);
}
