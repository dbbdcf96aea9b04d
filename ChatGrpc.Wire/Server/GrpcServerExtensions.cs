using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ChatGrpc.Wire.Server;

public static class GrpcServerExtensions
{
    public static IServiceCollection AddGrpcWire(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddSingleton<GrpcServiceRegistry>();
        return services;
    }

    /// <summary>Serves a service's methods. The gRPC middleware is added on the first call.</summary>
    public static IApplicationBuilder MapGrpcService(this IApplicationBuilder app, ServiceDefinition definition)
    {
        var registry = app.ApplicationServices.GetRequiredService<GrpcServiceRegistry>();
        if (registry.Services.Count == 0)
        {
            app.UseMiddleware<GrpcMiddleware>();
        }

        registry.Add(definition);
        return app;
    }
}
