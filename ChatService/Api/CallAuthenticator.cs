using ChatService.Auth;
using ChatService.Chat;
using Grpc.Core;

namespace ChatService.Api;

/// <summary>Reads the <c>authorization: Bearer</c> metadata of a call and says who is calling, or fails it with UNAUTHENTICATED.</summary>
public sealed class CallAuthenticator(TokenService tokens)
{
    private const string Scheme = "Bearer ";

    public async Task<AuthenticatedUser> AuthenticateAsync(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "This call needs an access token: send 'authorization: Bearer <token>' metadata (get one from AuthService.Login)."));
        }

        return await ValidateAsync(header[Scheme.Length..].Trim()).ConfigureAwait(false);
    }

    public async Task<AuthenticatedUser> ValidateAsync(string token)
    {
        var (user, failure) = await tokens.ValidateAsync(token).ConfigureAwait(false);
        return user ?? throw new ChatException(ChatErrorCode.Unauthenticated, failure!);
    }

    public static ChatUser ToChatUser(AuthenticatedUser user) => new(user.Id, user.Name, user.Role);
}
