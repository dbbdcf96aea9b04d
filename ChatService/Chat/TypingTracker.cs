using ChatGrpc.Contracts.V1;
using ChatService.Cluster;

namespace ChatService.Chat;

/// <summary>
/// Who is typing where. Never stored. Repeated "typing" refreshes are coalesced into one event;
/// a user who stops refreshing is cleared after the expiry, as is one who sends or leaves.
/// </summary>
public sealed class TypingTracker(ClusterRelay relay, ChatOptions options, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Room, string User), ITimer> _active = new();

    public void Set(Room room, ChatUser user, bool active)
    {
        var key = (room.Id, user.Id);
        bool changed;
        lock (_gate)
        {
            var wasActive = _active.Remove(key, out var timer);
            timer?.Dispose();
            if (active)
            {
                _active[key] = time.CreateTimer(_ => Expire(room, user), null, options.TypingExpiry, Timeout.InfiniteTimeSpan);
            }

            changed = wasActive != active;
        }

        if (changed)
        {
            Announce(room, user, active);
        }
    }

    /// <summary>Clears the user's typing in a room, if any: they sent a message or left.</summary>
    public void Clear(Room room, ChatUser user) => Set(room, user, active: false);

    private void Expire(Room room, ChatUser user)
    {
        lock (_gate)
        {
            if (!_active.Remove((room.Id, user.Id), out var timer))
            {
                return;
            }

            timer.Dispose();
        }

        Announce(room, user, active: false);
    }

    private void Announce(Room room, ChatUser user, bool active)
    {
        var frame = Frames.Ephemeral(new ServerFrame
        {
            Typing = new TypingEvent { Room = room.Id, UserId = user.Id, UserName = user.Name, Active = active },
        });
        relay.ToRoom(room, frame, exceptUserId: user.Id);
    }
}
