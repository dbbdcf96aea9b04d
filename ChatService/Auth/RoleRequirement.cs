using ChatGrpc.Contracts.V1;
using ChatService.Storage;
using Microsoft.AspNetCore.Authorization;

namespace ChatService.Auth;

/// <summary>The caller must hold at least this role, as the store says now (not as the token said when issued).</summary>
public sealed class RoleRequirement(Role minimum) : IAuthorizationRequirement
{
    public Role Minimum { get; } = minimum;
}

/// <summary>Why a role check failed, kept on the request so the refusal can name the role and the caller.</summary>
public sealed record RoleRefusal(Role Required, string UserName, Role Current);

/// <summary>
/// Reads the caller's role from the store on every call, so a demotion takes effect at once instead
/// of when the token expires.
/// </summary>
internal sealed class RoleRequirementHandler(IUserStore users) : AuthorizationHandler<RoleRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleRequirement requirement)
    {
        var caller = TokenService.FromClaims(context.User);
        var current = caller is null ? null : await users.FindByIdAsync(caller.Id).ConfigureAwait(false);
        if (current is null)
        {
            context.Fail(new AuthorizationFailureReason(this, "The token's user no longer exists."));
            return;
        }

        if (current.Role >= requirement.Minimum)
        {
            context.Succeed(requirement);
            return;
        }

        if (context.Resource is HttpContext http)
        {
            http.Items[typeof(RoleRefusal)] = new RoleRefusal(requirement.Minimum, current.Name, current.Role);
        }

        context.Fail();
    }
}
