using ChatService.Chat;
using ChatService.Storage;

namespace ChatService.Webhooks;

public static class WebhookExtensions
{
    /// <summary>Webhooks when endpoints are configured (Webhooks:Endpoints); otherwise chat events go nowhere.</summary>
    public static IServiceCollection AddChatWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions();
        options.Validate();
        if (options.Endpoints.Count == 0)
        {
            services.AddSingleton<IChatEvents, NoChatEvents>();
            return services;
        }

        services.AddSingleton(options);
        services.AddSingleton<IWebhookStore, SqlWebhookStore>();
        services.AddSingleton<WebhookEvents>();
        services.AddSingleton<IChatEvents>(sp => sp.GetRequiredService<WebhookEvents>());
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
