using ChatGrpc.Wire.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatGrpc.Wire.Server;

/// <summary>
/// Answers every request whose content type is gRPC or gRPC-Web (and CORS preflights for them);
/// everything else passes on to the rest of the pipeline.
/// </summary>
internal sealed class GrpcMiddleware(RequestDelegate next, GrpcServiceRegistry registry, IOptions<GrpcServerOptions> options, ILogger<GrpcMiddleware> logger)
{
    private readonly GrpcServerOptions _options = options.Value;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (_options.EnableGrpcWeb && Cors.IsPreflight(request) && registry.TryGet(request.Path.Value ?? "", out _))
        {
            Cors.WritePreflight(context, _options);
            return Task.CompletedTask;
        }

        var contentType = request.ContentType;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            return next(context);
        }

        var protocol = ProtocolOf(contentType!);
        if (protocol != WireProtocol.Grpc && !_options.EnableGrpcWeb)
        {
            return RejectAsync(context, StatusCodes.Status415UnsupportedMediaType, StatusCode.Internal, "gRPC-Web is not enabled on this server.");
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            return RejectAsync(context, StatusCodes.Status405MethodNotAllowed, StatusCode.Internal, $"gRPC requires POST, not {request.Method}.");
        }

        if (protocol == WireProtocol.Grpc && !HttpProtocol.IsHttp2(request.Protocol))
        {
            return RejectAsync(context, StatusCodes.Status426UpgradeRequired, StatusCode.Internal, $"gRPC requires HTTP/2, not {request.Protocol}.");
        }

        if (protocol != WireProtocol.Grpc)
        {
            Cors.AddAllowOrigin(context, _options);
        }

        return HandleCallAsync(context, protocol);
    }

    private async Task HandleCallAsync(HttpContext context, WireProtocol protocol)
    {
        var path = context.Request.Path.Value ?? "";
        await using var call = new ServerCall(context, _options, protocol);
        if (!registry.TryGet(path, out var handler))
        {
            await call.CompleteAsync(UnimplementedStatus(path), null).ConfigureAwait(false);
            return;
        }

        var callContext = new ServerCallContext(call, path);
        Status status;
        Metadata? trailers = null;
        try
        {
            call.Start(handler.StreamingRequest);
            await handler.InvokeAsync(call, callContext).ConfigureAwait(false);
            status = callContext.Status;
        }
        catch (Exception ex)
        {
            (status, trailers) = StatusMapping.FromException(ex, call, _options.EnableDetailedErrors);
            if (status.Code == StatusCode.Unknown)
            {
                logger.LogError(ex, "Handler for {Method} threw", path);
            }
        }

        await call.CompleteAsync(status, trailers).ConfigureAwait(false);
    }

    private Status UnimplementedStatus(string path)
    {
        var service = path.Length > 1 && path.IndexOf('/', 1) is var slash and > 0 ? path[1..slash] : "";
        return registry.HasService(service)
            ? new Status(StatusCode.Unimplemented, $"Method {path} is not implemented by this server.")
            : new Status(StatusCode.Unimplemented, $"Service '{service}' is not implemented by this server.");
    }

    private static WireProtocol ProtocolOf(string contentType)
    {
        if (contentType.StartsWith(GrpcProtocol.WebTextContentType, StringComparison.OrdinalIgnoreCase))
        {
            return WireProtocol.GrpcWebText;
        }

        return contentType.StartsWith(GrpcProtocol.WebContentType, StringComparison.OrdinalIgnoreCase)
            ? WireProtocol.GrpcWeb
            : WireProtocol.Grpc;
    }

    /// <summary>Protocol-level refusals carry both an HTTP status (for proxies) and a gRPC status (for clients).</summary>
    private static Task RejectAsync(HttpContext context, int httpStatus, StatusCode code, string message)
    {
        context.Response.StatusCode = httpStatus;
        context.Response.Headers[GrpcProtocol.StatusHeader] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(message);
        return Task.CompletedTask;
    }
}
