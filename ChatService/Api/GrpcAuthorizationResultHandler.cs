using ChatService.Auth;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;

namespace ChatService.Api;

/// <summary>
/// Answers a refused gRPC call the way gRPC clients understand: a trailers-only response with
/// UNAUTHENTICATED or PERMISSION_DENIED and a message a person can act on. The framework's own
/// answer, a bare HTTP 401/403, reaches a gRPC client as an unreadable transport error. A refused
/// call of the JSON API gets the same message in the JSON error body transcoding uses for every
/// other status, under HTTP 401 or 403.
/// </summary>
internal sealed class GrpcAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private const string MissingToken = "This call needs an access token: send 'authorization: Bearer <token>' metadata (get one from AuthService.Login).";

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    // Not async on the way through: an allowed stream would otherwise keep this method's state for its whole life.
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            return RefuseAsync(context, authorizeResult, WriteGrpcStatus);
        }

        return context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not null
            ? RefuseAsync(context, authorizeResult, WriteJsonStatus)
            : _default.HandleAsync(next, context, policy, authorizeResult);
    }

    private static async Task RefuseAsync(HttpContext context, PolicyAuthorizationResult authorizeResult, Func<HttpContext, StatusCode, string, Task> write)
    {
        if (authorizeResult.Challenged || TokenService.FromClaims(context.User) is null)
        {
            // The scheme's handler keeps its result for the request, so this does not validate the token again.
            var authentication = await context.AuthenticateAsync().ConfigureAwait(false);
            await write(context, StatusCode.Unauthenticated, authentication.Failure is { } failure ? TokenService.DescribeFailure(failure) : MissingToken).ConfigureAwait(false);
            return;
        }

        if (context.Items[typeof(RoleRefusal)] is RoleRefusal refusal)
        {
            await write(context, StatusCode.PermissionDenied, $"{context.Request.Path} needs the {Name(refusal.Required)} role; {refusal.UserName} is a {Name(refusal.Current)}.").ConfigureAwait(false);
            return;
        }

        await write(context, StatusCode.Unauthenticated, "The token's user no longer exists.").ConfigureAwait(false);
    }

    private static string Name<T>(T role) where T : struct, Enum => role.ToString().ToLowerInvariant();

    /// <summary>A trailers-only gRPC response: status and message in the headers, no body.</summary>
    private static Task WriteGrpcStatus(HttpContext context, StatusCode code, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = context.Request.ContentType;
        response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        return Task.CompletedTask;
    }

    /// <summary>The error body JSON transcoding writes for a failed call (google.rpc.Status in JSON), under 401 or 403.</summary>
    private static Task WriteJsonStatus(HttpContext context, StatusCode code, string message)
    {
        var response = context.Response;
        response.StatusCode = code == StatusCode.PermissionDenied ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
        if (code == StatusCode.Unauthenticated)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        return response.WriteAsJsonAsync(new JsonRefusal((int)code, message, []), JsonRefusalContext.Relaxed);
    }
}
