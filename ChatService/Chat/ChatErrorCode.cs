namespace ChatService.Chat;

/// <summary>Why the chat domain refused a command or ended a session. Transport-neutral; Api maps it to gRPC.</summary>
public enum ChatErrorCode
{
    /// <summary>No error: a session that ends with this ends cleanly.</summary>
    None,
    InvalidArgument,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    FailedPrecondition,
    Aborted,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    Internal,
}
