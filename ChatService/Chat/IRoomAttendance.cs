namespace ChatService.Chat;

/// <summary>
/// Whether a user is in a room at all, over every node, so member events are told once: when their
/// first subscription to the room begins anywhere, and when the last one ends everywhere.
/// </summary>
public interface IRoomAttendance
{
    /// <summary>
    /// Records that the user's first subscription to the room on this node began (<paramref name="here"/>)
    /// or their last one here ended; changes for one user and room are recorded in order. The result is
    /// the member event that change calls for: true (joined), false (left) or null (none: they are still,
    /// or were already, in the room on some node). Never faults.
    /// </summary>
    Task<bool?> RecordAsync(Room room, ChatUser user, bool here);
}

/// <summary>One node: its own subscriptions are all there are.</summary>
public sealed class LocalRoomAttendance : IRoomAttendance
{
    private static readonly Task<bool?> Joined = Task.FromResult<bool?>(true);
    private static readonly Task<bool?> Left = Task.FromResult<bool?>(false);

    public Task<bool?> RecordAsync(Room room, ChatUser user, bool here) => here ? Joined : Left;
}
