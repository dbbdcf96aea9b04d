namespace ChatService.Chat;

/// <summary>
/// Lengths the contract fixes for short labels other people see, in Unicode code points. Message text
/// and the per-connection limits are configurable instead (<see cref="ChatOptions"/>).
/// </summary>
public static class ChatLimits
{
    public const int RoomTitleLength = 100;

    public const int StatusTextLength = 200;

    public const int NotificationTitleLength = 200;

    public const int NotificationBodyLength = 4000;

    public const int KickReasonLength = 200;
}
