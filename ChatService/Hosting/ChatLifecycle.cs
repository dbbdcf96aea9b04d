using ChatGrpc.Contracts.V1;
using ChatService.Api;
using ChatService.Auth;
using ChatService.Chat;
using ChatService.Storage;
using HealthStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace ChatService.Hosting;

/// <summary>
/// Start: create the bootstrap admin if configured, or say how to get one. Stop (SIGTERM): mark
/// unhealthy, drain every session with a Draining frame, let presence writes under way finish, flush the store. Draining hangs off
/// ApplicationStopping, which fires before Kestrel stops waiting on open streams.
/// </summary>
internal sealed class ChatLifecycle(
    AuthOptions auth,
    StorageOptions storage,
    IUserStore users,
    AuthApi authApi,
    ChatEngine engine,
    PresenceTracker presence,
    ChatHealthService health,
    IMessageStore messages,
    ChatOptions options,
    IHostApplicationLifetime lifetime,
    ILogger<ChatLifecycle> logger) : IHostedService
{
    private CancellationTokenRegistration _onStopping;

    public const string ChatServiceName = "chat.v1.ChatService";

    /// <summary>What health answers for: the whole server ("") and each chat service.</summary>
    private static readonly string[] HealthNames = ["", ChatServiceName, "chat.v1.AuthService", "chat.v1.AdminService"];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        health.SetAll(HealthNames, HealthStatus.Serving);
        _onStopping = lifetime.ApplicationStopping.Register(Drain);
        if (auth.BootstrapAdminUser.Length > 0)
        {
            var existing = await users.FindByNameAsync(auth.BootstrapAdminUser, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                try
                {
                    await authApi.CreateUserAsync(auth.BootstrapAdminUser, auth.BootstrapAdminPassword, Role.Admin).ConfigureAwait(false);
                    logger.LogInformation("Created admin '{Admin}' from Auth:BootstrapAdminUser.", auth.BootstrapAdminUser);
                }
                catch (ChatException ex) when (ex.Code == ChatErrorCode.AlreadyExists)
                {
                    // Another node of the cluster, starting at the same moment, created it first.
                }
            }
        }
        else if (await users.CountWithRoleAsync(Role.Admin, cancellationToken).ConfigureAwait(false) == 0)
        {
            logger.LogWarning(
                "No admin exists yet. Restart once with CHAT_Auth__BootstrapAdminUser=<name> and CHAT_Auth__BootstrapAdminPassword=<password> (8+ characters) to create one.");
        }

        var where = storage.Provider == StorageProvider.Postgres ? "Postgres" : Path.GetFullPath(storage.DatabasePath);
        logger.LogInformation("Chat store: {Where}, messages {Persisted} (epoch {Epoch}).", where, storage.PersistMessages ? "persisted" : "in memory only", messages.Epoch);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _onStopping.DisposeAsync().ConfigureAwait(false);
        await presence.StopAsync(cancellationToken).ConfigureAwait(false);
        if (messages is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Drain()
    {
        // Set before draining starts, so a load balancer watching health stops sending new clients at once.
        health.StopServing(HealthNames);
        logger.LogInformation("Draining chat sessions.");
        using var timeout = new CancellationTokenSource(options.DrainTimeout + TimeSpan.FromSeconds(1));
        try
        {
            engine.DrainAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Draining timed out; the remaining streams close with the server.");
        }
    }
}
