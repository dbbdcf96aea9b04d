using System.Text.RegularExpressions;
using ChatGrpc.Contracts.V1;
using ChatGrpc.Wire;
using ChatService.Observability;
using ChatService.Storage;
using Google.Protobuf.WellKnownTypes;

namespace ChatService.Chat;

/// <summary>
/// The chat domain's operations on sessions and rooms: what a join, a send, a leave means, and the
/// guarantees around them. Knows nothing about gRPC streams or HTTP; speaks in frames and records.
/// </summary>
public sealed partial class ChatEngine(
    SessionRegistry sessions,
    RoomRegistry rooms,
    IRoomStore roomStore,
    IMessageStore messages,
    PresenceTracker presence,
    TypingTracker typing,
    RateLimiter rateLimiter,
    ChatOptions options,
    ChatMetrics metrics,
    TimeProvider time)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Sender, string ClientMsgId), Task<StoredMessage>> _inflight = new();
    private volatile bool _draining;

    public string StoreEpoch => messages.Epoch;

    public bool IsDraining => _draining;

    /// <summary>Registers a new connection and queues its Welcome.</summary>
    public Session Open(ChatUser user, DateTimeOffset tokenExpiresAt)
    {
        if (_draining)
        {
            throw new ChatException(StatusCode.Unavailable, "The server is shutting down; connect to another node or retry shortly.");
        }

        var session = new Session(Guid.NewGuid().ToString("N"), user, tokenExpiresAt, options.OutboxCapacity, metrics);
        if (!sessions.TryAdd(session, options.MaxConnectionsPerUser))
        {
            throw new ChatException(StatusCode.ResourceExhausted,
                $"Too many connections for {user.Name}: at most {options.MaxConnectionsPerUser}. Close another device and retry.");
        }

        metrics.ConnectionOpened();
        presence.Connected(user);
        session.Send(Frames.Durable(new ServerFrame
        {
            Welcome = new Welcome
            {
                SessionId = session.Id,
                User = user.ToProto(),
                ServerTime = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                StoreEpoch = messages.Epoch,
                TokenExpiresAt = Timestamp.FromDateTimeOffset(tokenExpiresAt),
                Limits = new ServerLimits
                {
                    MaxTextLength = options.MaxTextLength,
                    MaxRoomsPerConnection = options.MaxRoomsPerConnection,
                    TypingExpiry = Duration.FromTimeSpan(options.TypingExpiry),
                },
            },
        }));
        return session;
    }

    /// <summary>Unregisters a connection that ended for any reason, leaving its rooms.</summary>
    public void Release(Session session)
    {
        session.Abandon();
        foreach (var subscription in session.Rooms.Values)
        {
            Unsubscribe(subscription);
        }

        session.Rooms.Clear();
        sessions.Remove(session);
        metrics.ConnectionClosed();
        presence.Disconnected(session.User);
    }

    /// <summary>Finds a Subscribe session for a unary call; only its own user may act on it.</summary>
    public Session FindSession(string sessionId, ChatUser caller)
    {
        var session = sessions.Find(sessionId);
        if (session is null || session.User.Id != caller.Id)
        {
            throw ChatException.NotFound($"No open session '{sessionId}' for {caller.Name}. Open one with Subscribe and use the id from its Welcome.");
        }

        return session;
    }

    public async Task<Joined> JoinAsync(Session session, JoinRequest request, string requestId)
    {
        rateLimiter.Take(session.User.Id, "join", options.JoinRate);
        var roomId = RequireRoomId(request.Room);
        if (!session.Rooms.ContainsKey(roomId) && session.Rooms.Count >= options.MaxRoomsPerConnection)
        {
            throw new ChatException(StatusCode.ResourceExhausted, $"A connection may join at most {options.MaxRoomsPerConnection} rooms; leave one first.");
        }

        var room = await rooms.GetAsync(roomId).ConfigureAwait(false) ?? throw ChatException.NotFound($"Room '{roomId}' does not exist.");
        if (room.Record.Kind == RoomKind.Public)
        {
            await roomStore.AddMemberAsync(roomId, session.User.Id).ConfigureAwait(false);
        }
        else if (!await roomStore.IsMemberAsync(roomId, session.User.Id).ConfigureAwait(false))
        {
            throw ChatException.PermissionDenied($"Room '{roomId}' is private and {session.User.Name} is not a member.");
        }

        if (session.Rooms.TryRemove(roomId, out var previous))
        {
            Unsubscribe(previous, announce: false);
        }

        var subscription = new RoomSubscription(session, room, options.OutboxCapacity);
        ulong watermark;
        bool firstForUser;
        lock (room.FanoutLock)
        {
            firstForUser = !room.Subscribers.Any(s => s.Session.User.Id == session.User.Id);
            room.AddSubscriber(subscription);
            watermark = room.DeliveredSeq;
        }

        session.Rooms[roomId] = subscription;
        try
        {
            var joined = await BuildJoinedAsync(session, room, request, watermark).ConfigureAwait(false);
            session.Send(Frames.Reply(requestId, new ServerFrame { Joined = joined }));
            if (joined.Resume == ResumeResult.Complete)
            {
                await ReplayAsync(session, room, request.AfterSeq, watermark).ConfigureAwait(false);
            }

            lock (room.FanoutLock)
            {
                subscription.GoLive();
            }

            if (firstForUser)
            {
                AnnounceMember(room, session.User, joined: true);
            }

            return joined;
        }
        catch
        {
            session.Rooms.TryRemove(KeyValuePair.Create(roomId, subscription));
            Unsubscribe(subscription, announce: false);
            throw;
        }
    }

    public Left Leave(Session session, LeaveRequest request)
    {
        var roomId = RequireRoomId(request.Room);
        if (!session.Rooms.TryRemove(roomId, out var subscription))
        {
            throw ChatException.FailedPrecondition($"This connection has not joined room '{roomId}'.");
        }

        Unsubscribe(subscription);
        return new Left { Room = roomId };
    }

    public async Task<SendAck> SendAsync(Session session, SendRequest request)
    {
        var roomId = RequireRoomId(request.Room);
        var clientMsgId = request.ClientMsgId;
        if (clientMsgId.Length == 0 || clientMsgId.Length > options.MaxClientMsgIdLength)
        {
            throw ChatException.InvalidArgument($"client_msg_id is required (a UUID works), at most {options.MaxClientMsgIdLength} characters.");
        }

        if (string.IsNullOrWhiteSpace(request.Text))
        {
            throw ChatException.InvalidArgument("A message needs some text.");
        }

        if (request.Text.Length > options.MaxTextLength)
        {
            throw ChatException.InvalidArgument($"The message is {request.Text.Length} characters; the limit is {options.MaxTextLength}.");
        }

        if (!session.Rooms.TryGetValue(roomId, out var subscription))
        {
            throw ChatException.FailedPrecondition($"Join room '{roomId}' before sending to it.");
        }

        rateLimiter.Take(session.User.Id, "send", options.SendRate);
        var room = subscription.Room;
        var (message, duplicate) = await AppendAsync(room, session.User, clientMsgId, request.Text).ConfigureAwait(false);
        if (message.RoomId != roomId)
        {
            throw new ChatException(StatusCode.AlreadyExists, $"client_msg_id '{clientMsgId}' was already used for a message in room '{message.RoomId}'.");
        }

        if (!duplicate)
        {
            typing.Clear(room, session.User);
        }

        return message.ToAck(duplicate);
    }

    public void SetTyping(Session session, SetTypingRequest request)
    {
        var roomId = RequireRoomId(request.Room);
        if (!session.Rooms.TryGetValue(roomId, out var subscription))
        {
            throw ChatException.FailedPrecondition($"Join room '{roomId}' before typing in it.");
        }

        rateLimiter.Take(session.User.Id, "typing", options.TypingRate);
        typing.Set(subscription.Room, session.User, request.Active);
    }

    public void SetPresence(Session session, SetPresenceRequest request)
    {
        if (request.Status is not (PresenceStatus.Online or PresenceStatus.Away or PresenceStatus.Busy))
        {
            throw ChatException.InvalidArgument("Presence can be set to ONLINE, AWAY or BUSY.");
        }

        if (request.StatusText.Length > 200)
        {
            throw ChatException.InvalidArgument("A status text is at most 200 characters.");
        }

        presence.Set(session.User, request.Status, request.StatusText);
    }

    public async Task<ReadMarker> MarkReadAsync(Session session, MarkReadRequest request)
    {
        var roomId = RequireRoomId(request.Room);
        if (!await roomStore.IsMemberAsync(roomId, session.User.Id).ConfigureAwait(false))
        {
            throw ChatException.FailedPrecondition($"{session.User.Name} is not a member of room '{roomId}'.");
        }

        var stored = await roomStore.SetReadMarkerAsync(roomId, session.User.Id, request.Seq).ConfigureAwait(false);
        var marker = new ReadMarker { Room = roomId, Seq = stored };
        var frame = Frames.Durable(new ServerFrame { ReadMarker = marker });
        foreach (var other in sessions.OfUser(session.User.Id))
        {
            if (other != session)
            {
                other.Send(frame);
            }
        }

        return marker;
    }

    /// <summary>Begins a graceful shutdown: refuse new sessions, tell every client to reconnect, let their streams end.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var draining = Frames.Durable(new ServerFrame
        {
            Draining = new Draining { Reason = "The server is restarting.", ReconnectAfter = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) },
        });
        foreach (var session in sessions.All)
        {
            session.Send(draining);
            session.Close(new Status(StatusCode.Unavailable, "The server is shutting down; reconnect and resume."), flush: true);
        }

        var deadline = time.GetUtcNow() + options.DrainTimeout;
        while (sessions.Count > 0 && time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        await messages.FlushAsync().ConfigureAwait(false);
    }

    internal async Task<(StoredMessage Message, bool Duplicate)> AppendAsync(Room room, ChatUser sender, string clientMsgId, string text)
    {
        // One in-flight send per idempotency key across all rooms: a retry racing its original waits for
        // it instead of inserting twice. Once committed, the store's unique index answers retries.
        var key = (sender.Id, clientMsgId);
        var mine = new TaskCompletionSource<StoredMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_inflight.TryAdd(key, mine.Task))
        {
            if (_inflight.TryGetValue(key, out var earlier))
            {
                return (await earlier.ConfigureAwait(false), true);
            }
        }

        try
        {
            var stored = await messages.FindByClientMsgIdAsync(sender.Id, clientMsgId).ConfigureAwait(false);
            if (stored is not null)
            {
                mine.SetResult(stored);
                return (stored, true);
            }

            StoredMessage message;
            Task committed;
            await room.SendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                var generation = messages.Generation;
                if (generation != room.SeqGeneration)
                {
                    // A commit failed since this room last counted: the store, not memory, knows the last seq.
                    room.LastAssignedSeq = await messages.LastSeqAsync(room.Id).ConfigureAwait(false);
                    room.SeqGeneration = generation;
                }

                message = new StoredMessage(
                    room.Id, room.LastAssignedSeq + 1, Guid.NewGuid().ToString("N"), sender.Id, sender.Name, clientMsgId, text, time.GetUtcNow(), null);
                room.LastAssignedSeq = message.Seq;
                committed = messages.AppendAsync(message, generation, m => Deliver(room, m));
            }
            finally
            {
                room.SendLock.Release();
            }

            try
            {
                await committed.ConfigureAwait(false);
            }
            catch (StoreUnavailableException ex)
            {
                throw new ChatException(StatusCode.Unavailable, $"{ex.Message} Retry with the same client_msg_id.");
            }

            metrics.MessageAccepted();
            mine.SetResult(message);
            return (message, false);
        }
        catch (Exception ex)
        {
            mine.TrySetException(ex);
            throw;
        }
        finally
        {
            _inflight.TryRemove(KeyValuePair.Create(key, mine.Task));
        }
    }

    /// <summary>Runs on the store's writer after commit, in seq order: the stored order is the delivered order.</summary>
    private static void Deliver(Room room, StoredMessage message)
    {
        var frame = Frames.Message(message);
        lock (room.FanoutLock)
        {
            room.DeliveredSeq = message.Seq;
            room.Broadcast(frame);
        }
    }

    private async Task<Joined> BuildJoinedAsync(Session session, Room room, JoinRequest request, ulong watermark)
    {
        var listing = await roomStore.GetListingAsync(room.Id, session.User.Id).ConfigureAwait(false);
        var members = await roomStore.ListMembersAsync(room.Id).ConfigureAwait(false);
        var joined = new Joined
        {
            Room = (listing ?? throw ChatException.NotFound($"Room '{room.Id}' does not exist.")).ToProto(),
            LastSeq = watermark,
        };
        joined.Room.LastSeq = watermark;
        joined.Members.AddRange(members.Select(presence.Get));

        var resumable = request.AfterSeq > 0
            && (request.StoreEpoch.Length == 0 || request.StoreEpoch == messages.Epoch)
            && request.AfterSeq <= watermark;
        if (resumable)
        {
            joined.Resume = ResumeResult.Complete;
            return joined;
        }

        joined.Resume = request.AfterSeq > 0 ? ResumeResult.Reset : ResumeResult.Fresh;
        var recent = await messages.ReadAsync(room.Id, 0, watermark + 1, options.HistoryOnJoin, newest: true).ConfigureAwait(false);
        joined.History.AddRange(recent.Select(m => m.ToProto()));
        return joined;
    }

    private async Task ReplayAsync(Session session, Room room, ulong afterSeq, ulong upToSeq)
    {
        const int page = 256;
        var next = afterSeq;
        while (next < upToSeq)
        {
            var batch = await messages.ReadAsync(room.Id, next, upToSeq + 1, page, newest: false).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                if (!await session.Outbox.EnqueueWhenSpaceAsync(Frames.Message(message), session.Closing).ConfigureAwait(false))
                {
                    return;
                }
            }

            next = batch[^1].Seq;
        }
    }

    private void Unsubscribe(RoomSubscription subscription, bool announce = true)
    {
        var room = subscription.Room;
        bool lastForUser;
        lock (room.FanoutLock)
        {
            room.RemoveSubscriber(subscription);
            lastForUser = !room.Subscribers.Any(s => s.Session.User.Id == subscription.Session.User.Id);
        }

        if (announce && lastForUser)
        {
            typing.Clear(room, subscription.Session.User);
            AnnounceMember(room, subscription.Session.User, joined: false);
        }
    }

    private void AnnounceMember(Room room, ChatUser user, bool joined)
    {
        var member = new MemberEvent { Room = room.Id, Member = new Presence { UserId = user.Id, UserName = user.Name, Status = PresenceStatus.Online } };
        var frame = Frames.Durable(joined ? new ServerFrame { MemberJoined = member } : new ServerFrame { MemberLeft = member });
        lock (room.FanoutLock)
        {
            room.Broadcast(frame, exceptUserId: user.Id);
        }
    }

    internal static string RequireRoomId(string roomId)
    {
        if (!RoomIdPattern().IsMatch(roomId))
        {
            throw ChatException.InvalidArgument(
                $"'{roomId}' is not a room id: use 1-64 lower-case letters, digits, '-' or '_' (direct rooms look like 'dm:alice:bob').");
        }

        return roomId;
    }

    [GeneratedRegex("^([a-z0-9_-]{1,64}|dm:[a-z0-9_.-]{1,32}:[a-z0-9_.-]{1,32})$")]
    private static partial Regex RoomIdPattern();
}
