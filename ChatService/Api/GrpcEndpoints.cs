using ChatGrpc.Contracts.V1;
using ChatService.Auth;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Grpc.Reflection;
using Grpc.Reflection.V1;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatService.Api;

/// <summary>
/// The gRPC surface on Grpc.AspNetCore: the three chat services, grpc.health.v1, reflection v1 and
/// v1alpha, gRPC-Web (binary and text) for every method, the JSON API (google.api.http rules in
/// protos/, served by JSON transcoding), and CORS for pages served elsewhere.
/// </summary>
public static class GrpcEndpoints
{
    /// <summary>gRPC-Web answers carry these; a page on another origin must be allowed to read them.</summary>
    private static readonly string[] ExposedHeaders = ["grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding", "retry-after-ms"];

    public const string CorsPolicy = "grpc-web";

    public static IServiceCollection AddChatGrpc(this IServiceCollection services, int maxMessageBytes, IReadOnlyCollection<string> corsOrigins, TimeSpan writeCoalescing, double writeCoalescingMinFrames)
    {
        WriteCoalescer.Validate(writeCoalescing, writeCoalescingMinFrames);
        services.AddSingleton(_ => new WriteCoalescer(writeCoalescing, writeCoalescingMinFrames));
        services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = maxMessageBytes;
            // The server's own frames are bounded by the chat limits; do not cap what it may send.
            options.MaxSendMessageSize = null;
            options.EnableDetailedErrors = false;
        }).AddJsonTranscoding();
        // ChatService's two streams, with pre-serialized frames; the generated binding adds the rest.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<ChatApi>, FrameBytesBinder>());
        services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy =>
        {
            if (corsOrigins.Count == 0 || corsOrigins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins([.. corsOrigins]);
            }

            policy.AllowAnyHeader().WithMethods("GET", "POST", "PUT", "DELETE").WithExposedHeaders(ExposedHeaders).SetPreflightMaxAge(TimeSpan.FromHours(1));
        }));

        services.AddChatAuthentication();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();

        services.AddSingleton<ChatHealthService>();
        // Reflection is told every service explicitly: ChatService's streams are bound by FrameBytesBinder
        // with a byte[] response, which the library's discovery from bound methods would not describe.
        Google.Protobuf.Reflection.ServiceDescriptor[] described =
        [
            ChatGrpc.Contracts.V1.ChatService.Descriptor,
            AuthService.Descriptor,
            AdminService.Descriptor,
            Health.Descriptor,
            ServerReflection.Descriptor,
            Grpc.Reflection.V1Alpha.ServerReflection.Descriptor,
        ];
        services.AddSingleton(new ReflectionServiceImpl(described));
        services.AddSingleton(new ReflectionV1ServiceImpl(described));
        return services;
    }

    public static WebApplication MapChatGrpc(this WebApplication app)
    {
        app.UseRouting();
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        // Every chat and admin call needs a valid access token; the admin methods add role policies.
        Map(app.MapGrpcService<ChatApi>()).RequireAuthorization();
        Map(app.MapGrpcService<AuthApi>()).AllowAnonymous();
        Map(app.MapGrpcService<AdminApi>()).RequireAuthorization();
        Map(app.MapGrpcService<ChatHealthService>());
        Map(app.MapGrpcService<ReflectionServiceImpl>());
        Map(app.MapGrpcService<ReflectionV1ServiceImpl>());
        return app;
    }

    private static GrpcServiceEndpointConventionBuilder Map(GrpcServiceEndpointConventionBuilder endpoints) => endpoints.RequireCors(CorsPolicy);
}
