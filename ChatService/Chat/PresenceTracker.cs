using ChatGrpc.Contracts.V1;
using ChatService.Storage;
using Google.Protobuf.WellKnownTypes;

namespace ChatService.Chat;

/// <summary>
/// Presence per user over all their connections. A user whose last connection closes stays online
/// for a grace period, so a reconnect does not flap; then goes offline with last_seen persisted.
/// Changes go to every connection in a room the user belongs to.
/// </summary>
public sealed class PresenceTracker(
    RoomRegistry rooms,
    IRoomStore roomStore,
    IUserStore users,
    ChatOptions options,
    TimeProvider time,
    ILogger<PresenceTracker> logger)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, UserPresence> _users = new();

    public void Connected(ChatUser user)
    {
        bool announce;
        lock (_gate)
        {
            if (!_users.TryGetValue(user.Id, out var state))
            {
                _users[user.Id] = state = new UserPresence(user);
            }

            state.Connections++;
            state.GraceTimer?.Dispose();
            state.GraceTimer = null;
            announce = state.Status == PresenceStatus.Offline;
            if (announce)
            {
                state.Status = PresenceStatus.Online;
                state.StatusText = "";
            }
        }

        if (announce)
        {
            Announce(user.Id);
        }
    }

    public void Disconnected(ChatUser user)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(user.Id, out var state) || --state.Connections > 0)
            {
                return;
            }

            state.GraceTimer?.Dispose();
            state.GraceTimer = time.CreateTimer(_ => GoOffline(user.Id), null, options.PresenceGrace, Timeout.InfiniteTimeSpan);
        }
    }

    public void Set(ChatUser user, PresenceStatus status, string text)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(user.Id, out var state) || state.Connections == 0)
            {
                return;
            }

            state.Status = status;
            state.StatusText = text;
        }

        Announce(user.Id);
    }

    /// <summary>Current presence; users never seen online get OFFLINE with their stored last_seen.</summary>
    public Presence Get(UserRecord user)
    {
        lock (_gate)
        {
            if (_users.TryGetValue(user.Id, out var state) && state.Status != PresenceStatus.Offline)
            {
                return new Presence { UserId = user.Id, UserName = user.Name, Status = state.Status, StatusText = state.StatusText };
            }
        }

        var presence = new Presence { UserId = user.Id, UserName = user.Name, Status = PresenceStatus.Offline };
        if (user.LastSeen is { } seen)
        {
            presence.LastSeen = Timestamp.FromDateTimeOffset(seen);
        }

        return presence;
    }

    private void GoOffline(string userId)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(userId, out var state) || state.Connections > 0)
            {
                return;
            }

            state.Status = PresenceStatus.Offline;
            state.LastSeen = time.GetUtcNow();
            state.GraceTimer?.Dispose();
            state.GraceTimer = null;
        }

        Announce(userId);
    }

    private void Announce(string userId) => _ = AnnounceAsync(userId);

    private async Task AnnounceAsync(string userId)
    {
        try
        {
            Presence presence;
            DateTimeOffset? lastSeen;
            lock (_gate)
            {
                var state = _users[userId];
                lastSeen = state.Status == PresenceStatus.Offline ? state.LastSeen : null;
                presence = new Presence { UserId = userId, UserName = state.User.Name, Status = state.Status, StatusText = state.StatusText };
                if (lastSeen is { } seen)
                {
                    presence.LastSeen = Timestamp.FromDateTimeOffset(seen);
                }
            }

            if (lastSeen is { } persisted)
            {
                await users.SetLastSeenAsync(userId, persisted).ConfigureAwait(false);
            }

            var frame = Frames.Ephemeral(new ServerFrame { Presence = new PresenceEvent { Presence = presence } });
            var notified = new HashSet<string>();
            foreach (var roomId in await roomStore.RoomsOfUserAsync(userId).ConfigureAwait(false))
            {
                foreach (var subscriber in rooms.TryGetLoaded(roomId)?.Subscribers ?? [])
                {
                    if (subscriber.Session.User.Id != userId && notified.Add(subscriber.Session.Id))
                    {
                        subscriber.Session.Send(frame);
                    }
                }
            }
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Announcing presence of {User} failed", userId);
        }
    }

    private sealed class UserPresence(ChatUser user)
    {
        public ChatUser User { get; } = user;

        public int Connections { get; set; }

        public PresenceStatus Status { get; set; } = PresenceStatus.Offline;

        public string StatusText { get; set; } = "";

        public DateTimeOffset? LastSeen { get; set; }

        public ITimer? GraceTimer { get; set; }
    }
}
