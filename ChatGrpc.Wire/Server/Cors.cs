using Microsoft.AspNetCore.Http;

namespace ChatGrpc.Wire.Server;

/// <summary>Just enough CORS for browsers to call gRPC-Web methods from pages served elsewhere.</summary>
internal static class Cors
{
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method)
        && request.Headers.ContainsKey("Origin")
        && request.Headers.ContainsKey("Access-Control-Request-Method");

    public static void WritePreflight(HttpContext context, GrpcServerOptions options)
    {
        var response = context.Response;
        if (!AddAllowOrigin(context, options))
        {
            response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        response.StatusCode = StatusCodes.Status204NoContent;
        response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
        var requested = context.Request.Headers.AccessControlRequestHeaders.ToString();
        response.Headers.AccessControlAllowHeaders = requested.Length > 0
            ? requested
            : "content-type, x-grpc-web, x-user-agent, grpc-timeout, authorization";
        response.Headers.AccessControlMaxAge = ((int)options.CorsMaxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Adds Access-Control-Allow-Origin when the request's origin is allowed; returns whether it was.</summary>
    public static bool AddAllowOrigin(HttpContext context, GrpcServerOptions options)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        var headers = context.Response.Headers;
        if (options.CorsAllowedOrigins.Contains("*"))
        {
            headers.AccessControlAllowOrigin = "*";
            return true;
        }

        if (options.CorsAllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            headers.AccessControlAllowOrigin = origin;
            headers.Vary = "Origin";
            return true;
        }

        return false;
    }
}
