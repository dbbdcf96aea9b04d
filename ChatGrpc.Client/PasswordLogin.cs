using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatGrpc.Client;

/// <summary>
/// Signs in with a user name and password on first use, then keeps the token fresh with the refresh
/// token; signs in again if the sign-in was ended elsewhere (logged out, revoked).
/// </summary>
public sealed class PasswordLogin(ChannelBase channel, string userName, string password, TimeProvider? time = null) : IAccessTokenProvider
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);
    private readonly AuthService.AuthServiceClient _auth = new(channel);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Tokens? _tokens;

    /// <summary>The signed-in user, once a token was obtained.</summary>
    public User? User { get; private set; }

    /// <summary>For tests that end this sign-in from outside (Logout) to watch the client sign in again.</summary>
    internal string? RefreshToken => _tokens?.RefreshToken;

    public async ValueTask<string> GetAccessTokenAsync(TimeSpan minimumValidity, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_tokens is { } held && held.AccessTokenExpiresAt.ToDateTimeOffset() - _time.GetUtcNow() > minimumValidity)
            {
                return held.AccessToken;
            }

            if (_tokens is not null)
            {
                try
                {
                    var refreshed = await _auth.RefreshAsync(new RefreshRequest { RefreshToken = _tokens.RefreshToken }, Options(cancellationToken)).ConfigureAwait(false);
                    return Keep(refreshed.User, refreshed.Tokens);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
                {
                    // The sign-in ended (logout, a replayed refresh token): start a new one below.
                    _tokens = null;
                }
            }

            try
            {
                var login = await _auth.LoginAsync(new LoginRequest { UserName = userName, Password = password }, Options(cancellationToken)).ConfigureAwait(false);
                return Keep(login.User, login.Tokens);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.InvalidArgument or StatusCode.PermissionDenied)
            {
                throw new ChatClientException(StatusCode.Unauthenticated, ex.Status.Detail);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private string Keep(User user, Tokens tokens)
    {
        User = user;
        _tokens = tokens;
        return tokens.AccessToken;
    }

    private CallOptions Options(CancellationToken cancellationToken) =>
        new(deadline: _time.GetUtcNow().UtcDateTime + CallTimeout, cancellationToken: cancellationToken);
}
