using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// What happened in the chat that systems outside it may want to hear of (webhooks). Called after the
/// fact, on the node where it happened, once per event; implementations must return at once and never
/// throw into the chat path.
/// </summary>
public interface IChatEvents
{
    void MessageStored(StoredMessage message);

    /// <summary>A stored message was edited or deleted (<paramref name="message"/> as it is now) by <paramref name="byName"/>.</summary>
    void MessageChanged(StoredMessage message, string byName);

    void RoomCreated(RoomRecord room, string createdByName, IReadOnlyCollection<string> memberIds);

    /// <summary>A user became a member of a room after it was created (joining a public room).</summary>
    void MemberJoined(string roomId, ChatUser user);

    /// <summary>A user's last connection anywhere ended and the presence grace passed.</summary>
    void UserOffline(string userId, string userName, DateTimeOffset lastSeen);
}

/// <summary>No one listens: the default when no webhook endpoint is configured.</summary>
public sealed class NoChatEvents : IChatEvents
{
    public void MessageStored(StoredMessage message)
    {
    }

    public void MessageChanged(StoredMessage message, string byName)
    {
    }

    public void RoomCreated(RoomRecord room, string createdByName, IReadOnlyCollection<string> memberIds)
    {
    }

    public void MemberJoined(string roomId, ChatUser user)
    {
    }

    public void UserOffline(string userId, string userName, DateTimeOffset lastSeen)
    {
    }
}
