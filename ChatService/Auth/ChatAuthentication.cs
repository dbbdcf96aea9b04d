using ChatGrpc.Contracts.V1;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;

namespace ChatService.Auth;

/// <summary>Access tokens on ASP.NET Core's JwtBearer, and the role policies of the admin methods.</summary>
public static class ChatAuthentication
{
    public const string AdminPolicy = "admin";
    public const string ModeratorPolicy = "moderator";

    public static IServiceCollection AddChatAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<TokenService, RevokedSignIns>((options, tokens, revoked) =>
        {
            options.TokenValidationParameters = tokens.ValidationParameters;
            // Keep the token's own claim names (sub, name, role) instead of mapping them to XML URIs.
            options.MapInboundClaims = false;
            // Nothing reads the raw token back from the ticket; a stream would hold it for its whole life.
            options.SaveToken = false;
            options.Events = new JwtBearerEvents { OnTokenValidated = context => CompactPrincipal(context, revoked) };
        });
        services.AddSingleton<IAuthorizationHandler, RoleRequirementHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(new RoleRequirement(Role.Admin)))
            .AddPolicy(ModeratorPolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(new RoleRequirement(Role.Moderator)));
        return services;
    }

    private static Task CompactPrincipal(TokenValidatedContext context, RevokedSignIns revoked)
    {
        if (context.Principal is { } principal && TokenService.FromClaims(principal) is { } user)
        {
            if (revoked.IsRevoked(user.SignIn))
            {
                context.Fail(new SignInEndedException());
                return Task.CompletedTask;
            }

            context.Principal = TokenService.CompactPrincipal(user, context.Scheme.Name);
        }

        return Task.CompletedTask;
    }
}
