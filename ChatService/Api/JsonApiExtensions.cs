using Microsoft.OpenApi.Models;

namespace ChatService.Api;

/// <summary>
/// The REST/JSON API's description: an OpenAPI document generated from the same google.api.http rules
/// JSON transcoding serves (Microsoft.AspNetCore.Grpc.Swagger), with the proto comments as descriptions,
/// and a Swagger UI page to try calls from a browser. Both need no token: they describe, never act.
/// </summary>
public static class JsonApiExtensions
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddChatJsonApiDocument(this IServiceCollection services)
    {
        services.AddGrpcSwagger();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "ChatGrpc JSON API",
                Version = "v1",
                Description = "The unary methods of chat.v1 over HTTP and JSON. Send the access token from /v1/auth/login as 'Authorization: Bearer <token>'.",
            });
            options.AddSecurityDefinition("bearer", new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT" });
            options.AddSecurityRequirement(new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "bearer" } }] = [],
            });
            var comments = Path.Combine(AppContext.BaseDirectory, "ChatGrpc.Contracts.xml");
            if (File.Exists(comments))
            {
                options.IncludeXmlComments(comments);
                options.IncludeGrpcXmlComments(comments, includeControllerXmlComments: true);
            }
        });
        return services;
    }

    public static WebApplication MapChatJsonApiDocument(this WebApplication app)
    {
        // An endpoint rather than Swashbuckle's middleware, so gRPC calls do not pass through it.
        app.MapSwagger("/openapi/{documentName}.json").AllowAnonymous();
        // The UI's middleware awaits the rest of the pipeline, so outside its branch every chat stream
        // would hold its state (112 bytes) for as long as it is open.
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase),
            branch => branch.UseSwaggerUI(options =>
            {
                options.RoutePrefix = "openapi";
                options.SwaggerEndpoint(DocumentPath, "ChatGrpc JSON API v1");
            }));
        return app;
    }
}
