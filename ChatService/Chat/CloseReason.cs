namespace ChatService.Chat;

/// <summary>Why the server ended a session, told to the client as the stream's final status.</summary>
public readonly record struct CloseReason(ChatErrorCode Code, string Message)
{
    public static CloseReason Normal => new(ChatErrorCode.None, "");

    public bool IsError => Code != ChatErrorCode.None;
}
