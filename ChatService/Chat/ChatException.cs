using ChatGrpc.Wire;

namespace ChatService.Chat;

/// <summary>
/// A refused command. On a stream it becomes an error frame and the stream stays open; on a unary
/// call it becomes the call's status.
/// </summary>
public sealed class ChatException(StatusCode code, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public StatusCode Code { get; } = code;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static ChatException InvalidArgument(string message) => new(StatusCode.InvalidArgument, message);

    public static ChatException NotFound(string message) => new(StatusCode.NotFound, message);

    public static ChatException PermissionDenied(string message) => new(StatusCode.PermissionDenied, message);

    public static ChatException FailedPrecondition(string message) => new(StatusCode.FailedPrecondition, message);
}
