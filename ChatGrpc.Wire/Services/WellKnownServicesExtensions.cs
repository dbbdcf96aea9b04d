using ChatGrpc.Wire.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ChatGrpc.Wire.Services;

public static class WellKnownServicesExtensions
{
    public static IServiceCollection AddGrpcHealthAndReflection(this IServiceCollection services)
    {
        services.AddSingleton<HealthService>();
        services.AddSingleton<ReflectionService>();
        return services;
    }

    /// <summary>Maps grpc.health.v1 and both reflection versions. Call after mapping the application's services.</summary>
    public static IApplicationBuilder MapGrpcHealthAndReflection(this IApplicationBuilder app)
    {
        var health = app.ApplicationServices.GetRequiredService<HealthService>();
        var reflection = app.ApplicationServices.GetRequiredService<ReflectionService>();
        app.MapGrpcService(health.Definition);
        app.MapGrpcService(reflection.V1Definition);
        app.MapGrpcService(reflection.V1AlphaDefinition);
        return app;
    }
}
