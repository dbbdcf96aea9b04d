using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChatService.Observability;

/// <summary>
/// Metrics on OpenTelemetry: the chat meter, ASP.NET Core's request and Kestrel meters, the runtime
/// and the process, scraped in Prometheus text format at <see cref="ScrapePath"/>, and pushed over
/// OTLP (metrics, request traces and a span per send) when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class TelemetryExtensions
{
    public const string ScrapePath = "/metrics";

    private const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <param name="nodeId">This node's name (Cluster:NodeId, or the random one it got), as service.instance.id.</param>
    public static IServiceCollection AddChatTelemetry(this IServiceCollection services, IConfiguration configuration, string nodeId)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable] ?? Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("chatgrpc", serviceInstanceId: nodeId))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ChatMetrics.MeterName, "Microsoft.AspNetCore.Server.Kestrel")
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddProcessInstrumentation()
                    .AddPrometheusExporter();
                // Kestrel's memory pool counts every buffer rented and returned, which is every frame written:
                // listening to those two cost 2.3% of the server's CPU delivering into a room of 1,000
                // (bench/profile.sh, BENCH_PROFILE_SCENARIO=fanout). Dropped, they are not even measured;
                // allocated and evicted bytes, which show a pool growing, stay.
                metrics.AddView("aspnetcore.memory_pool.rented", MetricStreamConfiguration.Drop)
                    .AddView("aspnetcore.memory_pool.pooled", MetricStreamConfiguration.Drop);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            // Traces cost an Activity per request, so they are collected only when something receives them.
            telemetry.WithTracing(tracing => tracing.AddSource(ChatTracing.SourceName).AddAspNetCoreInstrumentation().AddOtlpExporter());
        }

        return services;
    }

    /// <summary>The Prometheus scrape endpoint; like /healthz it needs no token and shows no user data.</summary>
    public static WebApplication MapChatTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(ScrapePath);
        return app;
    }
}
