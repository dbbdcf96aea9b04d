using System.Text.RegularExpressions;
using ChatGrpc.Contracts.V1;
using ChatService.Cluster;
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
    RoomMembership membership,
    MessageChanges changes,
    Mentions mentions,
    ReadReceipts receipts,
    RoomRegistry rooms,
    IMessagePipeline pipeline,
    IRoomStore roomStore,
    IMessageStore messages,
    PresenceTracker presence,
    TypingTracker typing,
    RateLimiter rateLimiter,
    ClusterRelay relay,
    ChatOptions options,
    ChatMetrics metrics,
    IChatEvents events,
    TimeProvider time)
{
    private volatile bool _draining;

    /// <summary>The send rate's admission for the pipeline, made once: a closure per send would be an allocation per message.</summary>
    private Action<ChatUser>? _spendSendToken;

    public string StoreEpoch => messages.Epoch;

    public bool IsDraining => _draining;

    /// <summary>Registers a new connection and queues its Welcome.</summary>
    public Session Open(ChatUser user, DateTimeOffset tokenExpiresAt, string signIn)
    {
        if (_draining)
        {
            throw new ChatException(ChatErrorCode.Unavailable, "The server is shutting down; connect to another node or retry shortly.");
        }

        var session = new Session(Guid.NewGuid().ToString("N"), user, tokenExpiresAt, options.OutboxCapacity, metrics);
        if (!sessions.TryAdd(session, options.MaxConnectionsPerUser))
        {
            throw new ChatException(ChatErrorCode.ResourceExhausted,
                $"Too many connections for {user.Name}: at most {options.MaxConnectionsPerUser}. Close another device and retry.");
        }

        session.SignIn = signIn;
        session.Expiry = time.CreateTimer(static state => ExpireToken((Session)state!), session, Until(tokenExpiresAt), Timeout.InfiniteTimeSpan);
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
        session.Expiry?.Dispose();
        session.Abandon();
        sessions.Remove(session);
        metrics.ConnectionClosed();
        // Before the member_left events go out: whoever sees one can rely on the grace period having started.
        presence.Disconnected(session.User);
        foreach (var subscription in session.Rooms.Values)
        {
            membership.Unsubscribe(subscription);
        }

        session.Rooms.Clear();
    }

    /// <summary>Finds a Subscribe session for a unary call; only its own user may act on it.</summary>
    public Session FindSession(string sessionId, ChatUser caller)
    {
        var session = sessions.Find(sessionId);
        if (session is null || session.User.Id != caller.Id)
        {
            throw ChatException.NotFound($"No open session '{SafeText.Quote(sessionId)}' for {caller.Name}. Open one with Subscribe and use the id from its Welcome.");
        }

        return session;
    }

    /// <summary>
    /// Hands an open session a fresher token of its own user (a Connect stream's refresh_token frame, a
    /// Subscribe session's RefreshSession call), so the stream outlives the token it was opened with.
    /// </summary>
    public void ExtendToken(Session session, ChatUser caller, DateTimeOffset expiresAt, string signIn)
    {
        if (caller.Id != session.User.Id)
        {
            throw ChatException.PermissionDenied("The new token belongs to another user; a session keeps the user it was opened with.");
        }

        session.TokenExpiresAt = expiresAt;
        session.SignIn = signIn;
        session.Expiry?.Change(Until(expiresAt), Timeout.InfiniteTimeSpan);
    }

    public Task<Joined> JoinAsync(Session session, JoinRequest request, string requestId) => membership.JoinAsync(session, request, requestId);

    public Left Leave(Session session, LeaveRequest request)
    {
        var roomId = RequireRoomId(request.Room);
        if (!session.Rooms.TryRemove(roomId, out var subscription))
        {
            throw ChatException.FailedPrecondition($"This connection has not joined room '{roomId}'.");
        }

        membership.Unsubscribe(subscription);
        return new Left { Room = roomId };
    }

    public Task<SendAck> SendAsync(Session session, SendRequest request) => SendAsync(session.User, session, request);

    /// <summary>A send without a stream (a bot, a script, the JSON API): the caller must be a member of the room.</summary>
    public Task<SendAck> SendAsync(ChatUser sender, SendRequest request) => SendAsync(sender, null, request);

    private async Task<SendAck> SendAsync(ChatUser sender, Session? session, SendRequest request)
    {
        using var activity = ChatTracing.StartSend(request.Room);
        try
        {
            var ack = await StoreAndFanOutAsync(sender, session, request).ConfigureAwait(false);
            ChatTracing.Acked(activity, ack);
            return ack;
        }
        catch (Exception error) when (ChatTracing.Failed(activity, error))
        {
            throw;
        }
    }

    private async Task<SendAck> StoreAndFanOutAsync(ChatUser sender, Session? session, SendRequest request)
    {
        var roomId = RequireRoomId(request.Room);
        var clientMsgId = request.ClientMsgId;
        if (clientMsgId.Length == 0 || clientMsgId.Length > options.MaxClientMsgIdLength)
        {
            throw ChatException.InvalidArgument($"client_msg_id is required (a UUID works), at most {options.MaxClientMsgIdLength} characters.");
        }

        MessageText.Require(request.Text, options);

        Room room;
        if (session is null)
        {
            room = await membership.RequireMemberAsync(sender, roomId).ConfigureAwait(false);
        }
        else if (session.Rooms.TryGetValue(roomId, out var subscription))
        {
            room = subscription.Room;
        }
        else
        {
            throw ChatException.FailedPrecondition($"Join room '{roomId}' before sending to it.");
        }
        var replyTo = request.ReplyTo == 0 ? null : await QuoteAsync(room, request.ReplyTo).ConfigureAwait(false);
        var mentioned = await mentions.ResolveAsync(room, sender, request.Text).ConfigureAwait(false);

        // Taken only for a message that is new: a retry of a stored one costs the sender nothing.
        _spendSendToken ??= user => rateLimiter.Take(user.Id, "send", options.SendRate);
        var (message, duplicate) = await pipeline.AppendAsync(room, sender, clientMsgId, request.Text, replyTo, _spendSendToken).ConfigureAwait(false);
        if (message.RoomId != roomId)
        {
            throw new ChatException(ChatErrorCode.AlreadyExists,
                $"client_msg_id '{SafeText.Quote(clientMsgId)}' was already used for message #{message.Seq} in room '{message.RoomId}'; use a new id for a new message.");
        }

        if (duplicate && message.DeletedBy is null && !string.Equals(message.Text, request.Text, StringComparison.Ordinal))
        {
            // Acking it would drop the new text without a word; an idempotency key names one message.
            throw new ChatException(ChatErrorCode.AlreadyExists,
                $"client_msg_id '{SafeText.Quote(clientMsgId)}' was already used for message #{message.Seq} with a different text; use a new id for a new message.");
        }

        if (!duplicate)
        {
            typing.Clear(room, sender);
            events.MessageStored(message);
            await mentions.NotifyAsync(message, mentioned).ConfigureAwait(false);
        }

        return message.ToAck(duplicate);
    }

    /// <summary>The message a send replies to, which must be in the same room and not deleted.</summary>
    private async Task<QuotedMessage> QuoteAsync(Room room, ulong seq)
    {
        var quoted = await messages.FindAsync(room.Id, seq).ConfigureAwait(false)
            ?? throw ChatException.NotFound($"Room '{room.Id}' has no message {seq} to reply to.");

        if (quoted.DeletedBy is not null)
        {
            throw ChatException.FailedPrecondition($"Message {seq} in room '{room.Id}' was deleted; reply to another one.");
        }

        return new QuotedMessage(seq, quoted.SenderName, quoted.Text, Deleted: false);
    }

    /// <summary>An edit by the author, who must still be a member of the room.</summary>
    public async Task<(StoredMessage Message, bool Duplicate)> EditAsync(ChatUser editor, EditMessageRequest request)
    {
        var room = await membership.RequireMemberAsync(editor, RequireRoomId(request.Room)).ConfigureAwait(false);
        return await changes.EditAsync(editor, room, request).ConfigureAwait(false);
    }

    /// <summary>A deletion by the author (a member or not) or a moderator.</summary>
    public async Task<(StoredMessage Message, bool Duplicate)> DeleteMessageAsync(ChatUser user, DeleteMessageRequest request)
    {
        var roomId = RequireRoomId(request.Room);
        var room = await rooms.GetAsync(roomId).ConfigureAwait(false) ?? throw ChatException.NotFound($"Room '{roomId}' does not exist.");
        return await changes.DeleteAsync(user, room, request.Seq).ConfigureAwait(false);
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

        var statusText = SafeText.RequireLabel(request.StatusText, ChatLimits.StatusTextLength, "A status text");
        presence.Set(session.User, request.Status, statusText);
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
        relay.ToUser(session.User.Id, frame, exceptSessionId: session.Id);
        await receipts.MovedAsync(roomId, session.User, stored).ConfigureAwait(false);

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
            session.Close(new CloseReason(ChatErrorCode.Unavailable, "The server is shutting down; reconnect and resume."), flush: true);
        }

        var deadline = time.GetUtcNow() + options.DrainTimeout;
        while (sessions.Count > 0 && time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        await messages.FlushAsync().ConfigureAwait(false);
    }

    private static void ExpireToken(Session session) =>
        session.Close(new CloseReason(ChatErrorCode.Unauthenticated, "The access token expired on this stream; refresh it before it expires, or reconnect with a new one."));

    private TimeSpan Until(DateTimeOffset at)
    {
        var remaining = at - time.GetUtcNow();
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    internal static string RequireRoomId(string roomId)
    {
        if (!RoomIdPattern().IsMatch(roomId))
        {
            throw ChatException.InvalidArgument(
                $"'{SafeText.Quote(roomId)}' is not a room id: use 1-64 lower-case letters, digits, '-' or '_' (direct rooms look like 'dm:alice:bob').");
        }

        return roomId;
    }

    [GeneratedRegex("^([a-z0-9_-]{1,64}|dm:[a-z0-9_.-]{1,32}:[a-z0-9_.-]{1,32})$")]
    private static partial Regex RoomIdPattern();
}
