using System.Net;
using System.Security.Cryptography.X509Certificates;
using ChatGrpc.Wire.Client;
using ChatGrpc.Wire.Server;
using ChatGrpc.Wire.Services;
using ChatService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatService.Tests.Wire;

internal sealed class WireTestHostOptions
{
    public List<ServiceDefinition> Services { get; } = new();

    public Action<GrpcServerOptions>? Grpc { get; set; }

    /// <summary>Adds a second, HTTP/1.1-only listener (browsers, gRPC-Web).</summary>
    public bool Http1Listener { get; set; }

    public bool HealthAndReflection { get; set; }

    public Action<KestrelServerOptions>? Kestrel { get; set; }

    /// <summary>Serves the main listener over TLS with ALPN (HTTP/1.1 and HTTP/2) instead of h2c.</summary>
    public X509Certificate2? Certificate { get; set; }
}

/// <summary>A real Kestrel on loopback serving ChatGrpc.Wire: HTTP/2-only (or TLS) on Port, HTTP/1.1 on WebPort.</summary>
internal sealed class WireTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WireTestHost(WebApplication app, int port, int? webPort, bool tls)
    {
        _app = app;
        Port = port;
        WebPort = webPort;
        Address = new Uri($"{(tls ? "https" : "http")}://127.0.0.1:{port}");
    }

    public int Port { get; }

    public int? WebPort { get; }

    public Uri Address { get; }

    public Uri WebAddress => new($"http://127.0.0.1:{WebPort ?? throw new InvalidOperationException("No HTTP/1.1 listener was requested.")}");

    public IServiceProvider Services => _app.Services;

    public static Task<WireTestHost> StartAsync(ServiceDefinition definition, Action<GrpcServerOptions>? grpc = null, bool http1Listener = false) =>
        StartAsync(options =>
        {
            options.Services.Add(definition);
            options.Grpc = grpc;
            options.Http1Listener = http1Listener;
        });

    public static async Task<WireTestHost> StartAsync(Action<WireTestHostOptions> configure)
    {
        var options = new WireTestHostOptions();
        configure(options);
        var port = FreePort.Next();
        int? webPort = options.Http1Listener ? FreePort.Next() : null;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A handler a test leaves hanging must not hold up teardown for the default 30 s.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(3));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                if (options.Certificate is { } certificate)
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(certificate);
                }
                else
                {
                    listen.Protocols = HttpProtocols.Http2;
                }
            });
            if (webPort is { } web)
            {
                kestrel.Listen(IPAddress.Loopback, web, listen => listen.Protocols = HttpProtocols.Http1);
            }

            options.Kestrel?.Invoke(kestrel);
        });
        builder.Services.AddGrpcWire(options.Grpc);
        if (options.HealthAndReflection)
        {
            builder.Services.AddGrpcHealthAndReflection();
        }

        var app = builder.Build();
        foreach (var definition in options.Services)
        {
            app.MapGrpcService(definition);
        }

        if (options.HealthAndReflection)
        {
            app.MapGrpcHealthAndReflection();
        }

        await app.StartAsync().WaitAsync(WireTimeouts.Call);
        return new WireTestHost(app, port, webPort, options.Certificate is not null);
    }

    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => GrpcChannel.ForAddress(Address, options);

    /// <summary>A plain HttpClient for hand-made requests; the version of each request is chosen by the test.</summary>
    public static HttpClient CreateRawClient() => new(new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        UseCookies = false,
    });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(WireTimeouts.Call);
        await _app.DisposeAsync().AsTask().WaitAsync(WireTimeouts.Call);
    }
}
