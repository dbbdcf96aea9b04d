namespace ChatService.Chat;

/// <summary>
/// A refused command. On a stream it becomes an error frame and the stream stays open; on a unary
/// call it becomes the call's status. The Api layer maps <see cref="Code"/> to a gRPC status in one place.
/// </summary>
public sealed class ChatException(ChatErrorCode code, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public ChatErrorCode Code { get; } = code;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static ChatException InvalidArgument(string message) => new(ChatErrorCode.InvalidArgument, message);

    public static ChatException NotFound(string message) => new(ChatErrorCode.NotFound, message);

    /// <summary>A name that matches no account; quoted safely, since it is whatever the caller typed.</summary>
    public static ChatException UnknownUser(string name) => NotFound($"No user named '{SafeText.Quote(name)}'.");

    public static ChatException PermissionDenied(string message) => new(ChatErrorCode.PermissionDenied, message);

    public static ChatException FailedPrecondition(string message) => new(ChatErrorCode.FailedPrecondition, message);
}
