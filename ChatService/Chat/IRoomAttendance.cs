namespace ChatService.Chat;

/// <summary>
/// Whether a user is in a room at all, over every node, so member events are told once: when their
/// first subscription to the room begins anywhere, and when the last one ends everywhere.
/// </summary>
public interface IRoomAttendance
{
    /// <summary>
    /// The user's first subscription to the room on this node began (<paramref name="here"/>) or their last
    /// one here ended. Calls <paramref name="announce"/> (true: joined, false: left) when that changed
    /// whether they are in the room anywhere; perhaps later, but in the order of the changes.
    /// </summary>
    void Changed(Room room, ChatUser user, bool here, Action<bool> announce);
}

/// <summary>One node: its own subscriptions are all there are.</summary>
public sealed class LocalRoomAttendance : IRoomAttendance
{
    public void Changed(Room room, ChatUser user, bool here, Action<bool> announce) => announce(here);
}
