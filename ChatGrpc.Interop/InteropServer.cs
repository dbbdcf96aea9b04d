using ChatGrpc.Wire.Server;
using ChatGrpc.Wire.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatGrpc.Interop;

/// <summary>Hosts TestService (plus health and reflection) on loopback: native gRPC on one port, gRPC-Web over HTTP/1.1 on another.</summary>
public static class InteropServer
{
    public static WebApplication Build(int port, int? webPort = null, LogLevel logLevel = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Cleartext gRPC needs an HTTP/2-only endpoint: without TLS there is no ALPN to pick the protocol.
            kestrel.Listen(System.Net.IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
            if (webPort is { } web)
            {
                kestrel.Listen(System.Net.IPAddress.Loopback, web, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
        builder.Services.AddGrpcWire();
        builder.Services.AddGrpcHealthAndReflection();
        var app = builder.Build();
        app.MapGrpcService(TestServiceImpl.Definition(new TestServiceImpl()));
        app.MapGrpcHealthAndReflection();
        return app;
    }
}
