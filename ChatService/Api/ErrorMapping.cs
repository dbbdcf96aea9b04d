using ChatGrpc.Contracts.V1;
using ChatGrpc.Wire;
using ChatService.Chat;
using Google.Protobuf.WellKnownTypes;

namespace ChatService.Api;

/// <summary>The one place a refused command becomes either an error frame (streams stay open) or a call status (unary calls).</summary>
public static class ErrorMapping
{
    public static ServerFrame ToErrorFrame(this ChatException error, string clientMsgId = "")
    {
        var frame = new ErrorFrame { Code = (int)error.Code, Message = error.Message, ClientMsgId = clientMsgId };
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

        return new RpcException(new Status(error.Code, error.Message), trailers);
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
