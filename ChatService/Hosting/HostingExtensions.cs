using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ChatService.Hosting;

public static class HostingExtensions
{
    /// <summary>The server's host builder, for Program and for tests that host the real server.</summary>
    public static WebApplicationBuilder CreateChatBuilder(string[] args, string? webRootPath = null) =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // Reloading appsettings on change watches the whole content root, subfolders included, and
            // the default SQLite files live in ./data: every commit would wake the watcher (a file
            // event plus a stat per write, measured at several percent of a core under load).
            Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"],
            WebRootPath = webRootPath,
        });

    /// <summary>
    /// Configuration from appsettings, then CHAT_-prefixed environment variables, then the command line
    /// (later wins), and the listeners it describes.
    /// </summary>
    public static WebApplicationBuilder AddChatEndpoints(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddEnvironmentVariables("CHAT_");
        builder.Configuration.AddCommandLine(args);
        var endpoints = builder.Configuration.GetSection(EndpointOptions.Section).Get<EndpointOptions>() ?? new EndpointOptions();
        builder.Services.AddSingleton(endpoints);
        var address = IPAddress.Parse(endpoints.Host);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.Http2.KeepAlivePingDelay = endpoints.KeepAlivePingDelay;
            kestrel.Limits.Http2.KeepAlivePingTimeout = endpoints.KeepAlivePingTimeout;
            if (endpoints.TlsCertificatePem.Length > 0)
            {
                var certificate = X509Certificate2.CreateFromPemFile(endpoints.TlsCertificatePem, endpoints.TlsKeyPem.Length > 0 ? endpoints.TlsKeyPem : null);
                kestrel.Listen(address, endpoints.GrpcPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(certificate);
                });
                return;
            }

            // Cleartext gRPC needs an HTTP/2-only listener: without TLS there is no ALPN to choose the protocol.
            kestrel.Listen(address, endpoints.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(address, endpoints.WebPort, listen => listen.Protocols = HttpProtocols.Http1);
        });
        return builder;
    }
}
