using ChatGrpc.Contracts.V1;
using ChatService.Chat;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ChatService.Api;

/// <summary>
/// The one place a domain outcome becomes gRPC: a refused command becomes an error frame (streams stay
/// open) or a call status (unary calls), and a session's close reason becomes the stream's status.
/// </summary>
public static class ErrorMapping
{
    public static StatusCode ToStatusCode(this ChatErrorCode code) => code switch
    {
        ChatErrorCode.None => StatusCode.OK,
        ChatErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        ChatErrorCode.NotFound => StatusCode.NotFound,
        ChatErrorCode.AlreadyExists => StatusCode.AlreadyExists,
        ChatErrorCode.PermissionDenied => StatusCode.PermissionDenied,
        ChatErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        ChatErrorCode.Aborted => StatusCode.Aborted,
        ChatErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        ChatErrorCode.Unauthenticated => StatusCode.Unauthenticated,
        ChatErrorCode.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    public static Status ToStatus(this CloseReason reason) => new(reason.Code.ToStatusCode(), reason.Message);

    public static ServerFrame ToErrorFrame(this ChatException error, string clientMsgId = "")
    {
        var frame = new ErrorFrame { Code = (int)error.Code.ToStatusCode(), Message = error.Message, ClientMsgId = clientMsgId };
        if (error.RetryAfter is { } retry)
        {
            frame.RetryAfter = Duration.FromTimeSpan(retry);
        }

        return new ServerFrame { Error = frame };
    }

    public static RpcException ToRpcException(this ChatException error)
    {
        var trailers = new Metadata();
        if (error.RetryAfter is { } retry)
        {
            trailers.Add("retry-after-ms", ((long)Math.Ceiling(retry.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return new RpcException(new Status(error.Code.ToStatusCode(), error.Message), trailers);
    }

    /// <summary>Runs a unary operation, turning refused commands into the call's status.</summary>
    public static async Task<T> Unary<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (ChatException error)
        {
            throw error.ToRpcException();
        }
    }
}
