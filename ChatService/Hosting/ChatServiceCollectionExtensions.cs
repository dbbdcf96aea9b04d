using ChatService.Api;
using ChatService.Auth;
using ChatService.Chat;
using ChatService.Cluster;
using ChatService.Observability;
using ChatService.Storage;
using ChatService.Webhooks;

namespace ChatService.Hosting;

public static class ChatServiceCollectionExtensions
{
    /// <summary>Everything the chat server needs: options, store, domain, API and gRPC.</summary>
    public static WebApplicationBuilder AddChat(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var chat = configuration.GetSection(ChatOptions.Section).Get<ChatOptions>() ?? new ChatOptions();
        var endpoints = configuration.GetSection(EndpointOptions.Section).Get<EndpointOptions>() ?? new EndpointOptions();
        var cluster = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        // One name for this process in logs, presence leases and telemetry, random unless configured.
        var node = ClusterNode.From(cluster);

        services.AddSingleton(storage);
        services.AddSingleton(auth);
        services.AddSingleton(chat);
        services.AddSingleton(cluster);
        services.AddSingleton(node);
        services.TryAddTimeProvider();
        services.AddSingleton<ChatMetrics>();
        services.AddChatTelemetry(configuration, node.Id);

        services.AddChatStorage(storage, auth, configuration);
        services.AddSingleton<TokenService>();
        services.AddSingleton<LoginGuard>();
        services.AddSingleton<RevokedSignIns>();
        services.AddSingleton<CallAuthenticator>();

        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<RoomRegistry>();
        services.AddSingleton<ClusterRelay>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<PresenceTracker>();
        services.AddSingleton<TypingTracker>();
        services.AddSingleton<RoomMembership>();
        services.AddSingleton<MessageChanges>();
        services.AddSingleton<Mentions>();
        services.AddSingleton<ReadReceipts>();
        services.AddSingleton<ChatEngine>();
        services.AddSingleton<RoomDirectory>();
        services.AddSingleton<AdminOperations>();
        services.AddChatWebhooks(configuration);

        services.AddSingleton<SessionStream>();
        services.AddSingleton<ChatApi>();
        services.AddSingleton<AuthApi>();
        services.AddSingleton<AdminApi>();

        services.AddChatGrpc(endpoints.MaxMessageBytes, endpoints.CorsOrigins, endpoints.WriteCoalescing, endpoints.WriteCoalescingMinFrames);
        services.AddChatJsonApiDocument();
        // Only the page's own files (JS, CSS, HTML, SVG) are compressed; gRPC content types are not in this list.
        services.AddResponseCompression(options => options.MimeTypes = ["text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml"]);
        services.AddHostedService<ChatLifecycle>();
        services.AddHostedService<MemoryTrimmer>();
        return builder;
    }

    public static WebApplication MapChat(this WebApplication app)
    {
        // The browser client (built from web/ into wwwroot/), served at / on the browser port.
        app.UseWebClient();
        app.MapChatGrpc();
        app.MapChatJsonApiDocument();
        app.MapGet("/healthz", (ChatEngine engine) => engine.IsDraining ? Results.Text("draining", statusCode: 503) : Results.Text("ok"));
        app.MapChatTelemetry();
        return app;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
