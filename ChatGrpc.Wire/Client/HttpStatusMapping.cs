using System.Net;
using System.Net.Http;
using ChatGrpc.Wire.Protocol;

namespace ChatGrpc.Wire.Client;

/// <summary>How the gRPC spec maps HTTP statuses and transport failures onto gRPC status codes.</summary>
internal static class HttpStatusMapping
{
    public static Status ToStatus(HttpStatusCode code)
    {
        var grpc = code switch
        {
            HttpStatusCode.BadRequest => StatusCode.Internal,
            HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
            HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
            HttpStatusCode.NotFound => StatusCode.Unimplemented,
            HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
            _ => StatusCode.Unknown,
        };
        return new Status(grpc, $"Bad gRPC response: HTTP status {(int)code} {code}.");
    }

    public static Status FromTransportError(Exception ex)
    {
        var protocolError = FindInner<HttpProtocolException>(ex);
        if (protocolError is not null)
        {
            // RST_STREAM codes: CANCEL means the peer cancelled, REFUSED_STREAM is safe to retry.
            return protocolError.ErrorCode switch
            {
                GrpcProtocol.Http2Cancel => new Status(StatusCode.Cancelled, "The server cancelled the stream."),
                GrpcProtocol.Http2RefusedStream => new Status(StatusCode.Unavailable, "The server refused the stream."),
                GrpcProtocol.Http2EnhanceYourCalm => new Status(StatusCode.ResourceExhausted, "The server reset the stream for excessive load or a reader that fell too far behind (ENHANCE_YOUR_CALM)."),
                _ => new Status(StatusCode.Internal, $"HTTP/2 error {protocolError.ErrorCode}: {protocolError.Message}"),
            };
        }

        return ex switch
        {
            HttpRequestException request => new Status(StatusCode.Unavailable, $"Could not reach the server: {request.Message}"),
            ObjectDisposedException => new Status(StatusCode.Cancelled, "The call was disposed."),
            OperationCanceledException => new Status(StatusCode.Cancelled, "The call was cancelled."),
            _ => new Status(StatusCode.Unavailable, $"The connection failed: {ex.Message}"),
        };
    }

    private static T? FindInner<T>(Exception? ex)
        where T : Exception
    {
        while (ex is not null)
        {
            if (ex is T match)
            {
                return match;
            }

            ex = ex.InnerException;
        }

        return null;
    }
}
