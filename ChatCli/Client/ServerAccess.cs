using ChatCli.Cli;
using ChatGrpc.Client;
using ChatGrpc.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace ChatCli.Client;

/// <summary>
/// Which server and which token: --server, then CHAT_SERVER, then the saved login, then the local
/// default; CHAT_TOKEN, else the saved login's token, refreshed when it is about to expire.
/// </summary>
internal sealed class ServerAccess : IAccessTokenProvider, IDisposable
{
    public const string DefaultServer = "http://127.0.0.1:5000";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    private readonly CredentialStore _store;
    private Credentials? _credentials;

    public ServerAccess(string? serverOption, CredentialStore store)
    {
        _store = store;
        _credentials = store.Load();
        var fromEnvironment = Environment.GetEnvironmentVariable("CHAT_SERVER");
        Server = Normalize(serverOption
            ?? (string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment)
            ?? _credentials?.Server
            ?? DefaultServer);
        Channel = ChatChannel.For(Server);
    }

    public string Server { get; }

    public GrpcChannel Channel { get; }

    public ChatServiceClient Chat => new(Channel);

    public AuthServiceClient Auth => new(Channel);

    public AdminServiceClient Admin => new(Channel);

    public string? UserName => Environment.GetEnvironmentVariable("CHAT_TOKEN") is { Length: > 0 } ? null : _credentials?.UserName;

    public CallOptions Options(CancellationToken cancellationToken = default) =>
        new CallOptions(cancellationToken: cancellationToken).WithDeadlineAfter(CallTimeout);

    /// <summary>Call options carrying a valid access token, refreshing the saved one if needed.</summary>
    public async Task<CallOptions> AuthorizedAsync(bool stream = false, CancellationToken cancellationToken = default)
    {
        var token = await AccessTokenAsync(cancellationToken).ConfigureAwait(false);
        var options = new CallOptions(new Metadata { { "authorization", "Bearer " + token } }, cancellationToken: cancellationToken);
        return stream ? options : options.WithDeadlineAfter(CallTimeout);
    }

    /// <summary>For the live session (ChatGrpc.Client): a refused login is final there, as it is here.</summary>
    public async ValueTask<string> GetAccessTokenAsync(TimeSpan minimumValidity, CancellationToken cancellationToken)
    {
        try
        {
            return await AccessTokenAsync(cancellationToken, minimumValidity).ConfigureAwait(false);
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.Auth)
        {
            throw new ChatClientException(StatusCode.Unauthenticated, ex.Message);
        }
    }

    public async Task<string> AccessTokenAsync(CancellationToken cancellationToken = default, TimeSpan? minimumValidity = null)
    {
        if (Environment.GetEnvironmentVariable("CHAT_TOKEN") is { Length: > 0 } token)
        {
            return token;
        }

        if (_credentials is null || !SameServer(_credentials.Server))
        {
            throw new CliException(ExitCodes.Auth, $"not logged in to {Server}. Run 'chat login <user>' or 'chat register <user>' first.");
        }

        if (_credentials.AccessTokenExpiresAt - DateTimeOffset.UtcNow > (minimumValidity ?? TimeSpan.FromSeconds(30)))
        {
            return _credentials.AccessToken;
        }

        try
        {
            var refreshed = await Auth.RefreshAsync(new RefreshRequest { RefreshToken = _credentials.RefreshToken }, Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
            Remember(refreshed.User.Name, refreshed.Tokens);
            return refreshed.Tokens.AccessToken;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
        {
            throw new CliException(ExitCodes.Auth, "your saved login has expired. Run 'chat login <user>' to sign in again.");
        }
    }

    public void Remember(string userName, Tokens tokens)
    {
        _credentials = new Credentials(Server, userName, tokens.AccessToken, tokens.AccessTokenExpiresAt.ToDateTimeOffset(), tokens.RefreshToken);
        _store.Save(_credentials);
    }

    public void Dispose() => Channel.Dispose();

    private bool SameServer(string saved) => string.Equals(Normalize(saved), Server, StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string server)
    {
        var withScheme = server.Contains("://", StringComparison.Ordinal) ? server : "http://" + server;
        return withScheme.TrimEnd('/');
    }
}
