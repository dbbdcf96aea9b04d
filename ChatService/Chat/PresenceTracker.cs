using System.Threading.Channels;
using ChatGrpc.Contracts.V1;
using ChatService.Cluster;
using ChatService.Storage;
using Google.Protobuf.WellKnownTypes;

namespace ChatService.Chat;

/// <summary>
/// Presence per user over all their connections, on this node and (through leases) on others. A
/// user whose last connection here closes stays online for a grace period, so a reconnect does not
/// flap; then this node lets go. A user is offline when no node holds them. Changes of what everyone
/// should see go to every local connection in a room the user belongs to.
/// </summary>
public sealed class PresenceTracker(
    RoomRegistry rooms,
    IRoomStore roomStore,
    IUserStore users,
    IPresenceLeases leases,
    IClusterBus bus,
    IChatEvents events,
    ChatOptions options,
    TimeProvider time,
    ILogger<PresenceTracker> logger)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, UserPresence> _local = new();
    private readonly Dictionary<string, RemotePresence> _remote = new();
    private readonly Dictionary<string, Func<Task>> _pendingLeaseWrites = new();
    private readonly Channel<string> _leaseQueue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _leaseWriter;
    private bool _stopped;
    private int _inFlight;
    private TaskCompletionSource _idle = CompletedIdle();

    public void Connected(ChatUser user)
    {
        bool changed;
        lock (_gate)
        {
            var before = Effective(user.Id);
            if (!_local.TryGetValue(user.Id, out var state))
            {
                _local[user.Id] = state = new UserPresence(user);
            }

            state.Connections++;
            state.GraceTimer?.Dispose();
            state.GraceTimer = null;
            if (state.Status == PresenceStatus.Offline)
            {
                state.Status = PresenceStatus.Online;
                state.StatusText = "";
                QueueLeaseWrite(user.Id, () => leases.HoldAsync(user.Id, PresenceStatus.Online, ""));
            }

            changed = Effective(user.Id) != before;
        }

        if (changed)
        {
            Announce(user.Id, persistLastSeen: false);
        }
    }

    public void Disconnected(ChatUser user)
    {
        lock (_gate)
        {
            if (!_local.TryGetValue(user.Id, out var state) || --state.Connections > 0)
            {
                return;
            }

            state.GraceTimer?.Dispose();
            state.GraceTimer = _stopped ? null : time.CreateTimer(_ => GoOffline(user.Id), null, options.PresenceGrace, Timeout.InfiniteTimeSpan);
        }
    }

    public void Set(ChatUser user, PresenceStatus status, string text)
    {
        bool changed;
        lock (_gate)
        {
            if (!_local.TryGetValue(user.Id, out var state) || state.Connections == 0)
            {
                return;
            }

            var before = Effective(user.Id);
            state.Status = status;
            state.StatusText = text;
            QueueLeaseWrite(user.Id, () => leases.HoldAsync(user.Id, status, text));
            changed = Effective(user.Id) != before;
        }

        if (changed)
        {
            Announce(user.Id, persistLastSeen: false);
        }
    }

    /// <summary>
    /// The node is stopping: no more grace timers or announcements (other nodes see its users go when
    /// their leases run out), and what is already under way finishes before the store closes under it.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task idle;
        lock (_gate)
        {
            _stopped = true;
            foreach (var state in _local.Values)
            {
                state.GraceTimer?.Dispose();
                state.GraceTimer = null;
            }

            idle = _idle.Task;
        }

        await idle.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Current presence; users online nowhere get OFFLINE with their stored last_seen.</summary>
    public Presence Get(UserRecord user)
    {
        lock (_gate)
        {
            var (status, text) = Effective(user.Id);
            if (status != PresenceStatus.Offline)
            {
                return new Presence { UserId = user.Id, UserName = user.Name, Status = status, StatusText = text };
            }
        }

        var presence = new Presence { UserId = user.Id, UserName = user.Name, Status = PresenceStatus.Offline };
        if (user.LastSeen is { } seen)
        {
            presence.LastSeen = Timestamp.FromDateTimeOffset(seen);
        }

        return presence;
    }

    /// <summary>Re-reads what other nodes hold for these users (null: everyone) and announces what changed.</summary>
    public async Task RefreshRemoteAsync(IReadOnlyCollection<string>? userIds)
    {
        var others = await leases.ReadOthersAsync(userIds).ConfigureAwait(false);
        var changed = new List<string>();
        lock (_gate)
        {
            foreach (var userId in userIds ?? [.. _remote.Keys.Union(others.Keys)])
            {
                var before = Effective(userId);
                if (others.TryGetValue(userId, out var remote))
                {
                    _remote[userId] = remote;
                }
                else
                {
                    _remote.Remove(userId);
                }

                if (Effective(userId) != before)
                {
                    changed.Add(userId);
                }
            }
        }

        foreach (var userId in changed)
        {
            Announce(userId, persistLastSeen: false);
        }
    }

    private (PresenceStatus Status, string Text) Effective(string userId)
    {
        if (_local.TryGetValue(userId, out var local) && local.Status != PresenceStatus.Offline)
        {
            return (local.Status, local.StatusText);
        }

        return _remote.TryGetValue(userId, out var remote) ? (remote.Status, remote.StatusText) : (PresenceStatus.Offline, "");
    }

    private void GoOffline(string userId)
    {
        bool changed;
        lock (_gate)
        {
            if (!_local.TryGetValue(userId, out var state) || state.Connections > 0)
            {
                return;
            }

            var before = Effective(userId);
            state.Status = PresenceStatus.Offline;
            state.LastSeen = time.GetUtcNow();
            state.GraceTimer?.Dispose();
            state.GraceTimer = null;
            QueueLeaseWrite(userId, () => leases.ReleaseAsync(userId));
            changed = Effective(userId) != before;
        }

        if (changed)
        {
            Announce(userId, persistLastSeen: true);
        }
    }

    /// <summary>
    /// Queues the user's lease write; called under the gate. One writer sends them one at a time and
    /// signals the other nodes after each; a user's writes not yet sent collapse into the newest.
    /// </summary>
    private void QueueLeaseWrite(string userId, Func<Task> write)
    {
        if (leases is NoPresenceLeases || _stopped)
        {
            return;
        }

        if (_pendingLeaseWrites.TryAdd(userId, write))
        {
            BeginWork();
            _leaseQueue.Writer.TryWrite(userId);
        }
        else
        {
            _pendingLeaseWrites[userId] = write;
        }

        _leaseWriter ??= Task.Run(WriteLeasesAsync);
    }

    private async Task WriteLeasesAsync()
    {
        await foreach (var userId in _leaseQueue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            Func<Task>? write;
            lock (_gate)
            {
                if (!_pendingLeaseWrites.Remove(userId, out write))
                {
                    continue;
                }
            }

            try
            {
                await write().ConfigureAwait(false);
                bus.Publish(new PresenceChanged(userId));
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Writing the presence lease of {User} failed", userId);
            }
            finally
            {
                EndWork();
            }
        }
    }

    private void Announce(string userId, bool persistLastSeen)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            BeginWork();
        }

        _ = AnnounceAsync(userId, persistLastSeen);
    }

    /// <summary>Counts work that touches the store; called under the gate.</summary>
    private void BeginWork()
    {
        if (_inFlight++ == 0)
        {
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private void EndWork()
    {
        TaskCompletionSource? idle = null;
        lock (_gate)
        {
            if (--_inFlight == 0)
            {
                idle = _idle;
            }
        }

        idle?.TrySetResult();
    }

    private static TaskCompletionSource CompletedIdle()
    {
        var idle = new TaskCompletionSource();
        idle.SetResult();
        return idle;
    }

    private async Task AnnounceAsync(string userId, bool persistLastSeen)
    {
        try
        {
            PresenceStatus status;
            string text;
            string? name;
            DateTimeOffset? lastSeen;
            lock (_gate)
            {
                (status, text) = Effective(userId);
                _local.TryGetValue(userId, out var local);
                name = local?.User.Name;
                lastSeen = local?.LastSeen;
            }

            if (persistLastSeen && lastSeen is { } seen)
            {
                await users.SetLastSeenAsync(userId, seen).ConfigureAwait(false);
            }

            if (name is null)
            {
                var record = await users.FindByIdAsync(userId).ConfigureAwait(false);
                name = record?.Name ?? "";
                lastSeen = record?.LastSeen;
            }

            if (persistLastSeen && status == PresenceStatus.Offline && lastSeen is { } gone)
            {
                events.UserOffline(userId, name, gone);
            }

            var presence = new Presence { UserId = userId, UserName = name, Status = status, StatusText = text };
            if (status == PresenceStatus.Offline && lastSeen is { } last)
            {
                presence.LastSeen = Timestamp.FromDateTimeOffset(last);
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
        finally
        {
            EndWork();
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
