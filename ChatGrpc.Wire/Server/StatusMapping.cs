using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace ChatGrpc.Wire.Server;

/// <summary>The one place where a handler's exception becomes the call's status.</summary>
internal static class StatusMapping
{
    public static (Status Status, Metadata? Trailers) FromException(Exception exception, ServerCall call, bool detailedErrors)
    {
        if (exception is RpcException rpc)
        {
            return (rpc.Status, rpc.Trailers);
        }

        if (call.DeadlineExceeded)
        {
            return (new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null);
        }

        if (call.HttpContext.RequestAborted.IsCancellationRequested
            || exception is ConnectionResetException or ConnectionAbortedException)
        {
            return (new Status(StatusCode.Cancelled, "The client cancelled the call."), null);
        }

        if (exception is BadHttpRequestException bad)
        {
            return (new Status(StatusCode.Internal, $"Bad request: {bad.Message}"), null);
        }

        var detail = detailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : "Exception was thrown by handler.";
        return (new Status(StatusCode.Unknown, detail), null);
    }
}
