using System.Net;
using ChatGrpc.Wire.Server;
using ChatGrpc.Wire.Services;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ChatService.Hosting;

public static class HostingExtensions
{
    /// <summary>Configuration from appsettings, CHAT_-prefixed environment variables and the command line, then the two listeners.</summary>
    public static WebApplicationBuilder AddChatEndpoints(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentVariables("CHAT_");
        var endpoints = builder.Configuration.GetSection(EndpointOptions.Section).Get<EndpointOptions>() ?? new EndpointOptions();
        var address = IPAddress.Parse(endpoints.Host);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Cleartext gRPC needs an HTTP/2-only listener: without TLS there is no ALPN to choose the protocol.
            kestrel.Listen(address, endpoints.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(address, endpoints.WebPort, listen => listen.Protocols = HttpProtocols.Http1);
        });
        return builder;
    }

    public static IServiceCollection AddChatGrpc(this IServiceCollection services)
    {
        services.AddGrpcWire();
        services.AddGrpcHealthAndReflection();
        return services;
    }

    public static WebApplication MapChatGrpc(this WebApplication app)
    {
        app.MapGrpcHealthAndReflection();
        return app;
    }
}
