using ChatGrpc.Contracts.V1;
using ChatService.Cluster;
using ChatService.Observability;
using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// Joining and leaving rooms: access checks, the Joined answer, replay from the store and the
/// buffered seam to live delivery, and member events.
/// </summary>
public sealed class RoomMembership(
    RoomRegistry rooms,
    IMessagePipeline pipeline,
    MessageChanges changes,
    ReadReceipts receipts,
    IRoomStore roomStore,
    IMessageStore messages,
    PresenceTracker presence,
    TypingTracker typing,
    RateLimiter rateLimiter,
    ClusterRelay relay,
    IRoomAttendance attendance,
    IChatEvents events,
    ChatOptions options)
{
    public async Task<Joined> JoinAsync(Session session, JoinRequest request, string requestId)
    {
        rateLimiter.Take(session.User.Id, "join", options.JoinRate);
        var roomId = ChatEngine.RequireRoomId(request.Room);
        if (!session.Rooms.ContainsKey(roomId) && session.Rooms.Count >= options.MaxRoomsPerConnection)
        {
            throw new ChatException(ChatErrorCode.ResourceExhausted, $"A connection may join at most {options.MaxRoomsPerConnection} rooms; leave one first.");
        }

        var room = await RequireMemberAsync(session.User, roomId).ConfigureAwait(false);
        if (session.Rooms.TryRemove(roomId, out var previous))
        {
            Unsubscribe(previous, announce: false);
        }

        // On a cluster this node may not have heard of the newest messages yet; a resume must see them.
        await pipeline.CatchUpAsync(room).ConfigureAwait(false);
        var subscription = new RoomSubscription(session, room, options.OutboxCapacity);
        var (firstForUser, watermark, changeWatermark) = room.Subscribe(subscription);

        session.Rooms[roomId] = subscription;
        bool? tell = null;
        try
        {
            // Recorded before the client hears it joined: a stream it then closes on another node must find this one counted.
            tell = firstForUser ? await attendance.RecordAsync(room, session.User, here: true).ConfigureAwait(false) : null;
            var joined = await BuildJoinedAsync(session, room, request, watermark).ConfigureAwait(false);
            joined.LastChange = changeWatermark;
            session.Send(Frames.Reply(requestId, new ServerFrame { Joined = joined }));
            if (joined.Resume == ResumeResult.Complete
                && await changes.ReplayAsync(session, room, request.AfterChange, changeWatermark, request.AfterSeq).ConfigureAwait(false))
            {
                await ReplayAsync(session, room, request.AfterSeq, watermark).ConfigureAwait(false);
            }

            await GoLiveAsync(session, subscription).ConfigureAwait(false);

            if (tell == true)
            {
                AnnounceMember(room, session.User, joined: true);
            }

            return joined;
        }
        catch
        {
            session.Rooms.TryRemove(KeyValuePair.Create(roomId, subscription));
            if (room.Unsubscribe(subscription) && firstForUser)
            {
                // The join was never told, so neither is this: only the record is taken back.
                _ = attendance.RecordAsync(room, session.User, here: false);
            }

            throw;
        }
    }

    /// <summary>
    /// The room a caller without a stream may send to: one they are a member of; sending to a public room
    /// makes them one, as joining it would.
    /// </summary>
    public async Task<Room> RequireMemberAsync(ChatUser user, string roomId)
    {
        var room = await rooms.GetAsync(roomId).ConfigureAwait(false) ?? throw ChatException.NotFound($"Room '{roomId}' does not exist.");
        if (room.Record.Kind == RoomKind.Public)
        {
            if (await roomStore.AddMemberAsync(roomId, user.Id).ConfigureAwait(false))
            {
                events.MemberJoined(roomId, user);
            }
        }
        else if (!await roomStore.IsMemberAsync(roomId, user.Id).ConfigureAwait(false))
        {
            throw ChatException.PermissionDenied($"Room '{roomId}' is private and {user.Name} is not a member.");
        }

        return room;
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
        joined.ReadReceipts.AddRange(await receipts.ListAsync(room.Id, members.Count).ConfigureAwait(false));

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

    /// <summary>
    /// Live frames buffered during a long replay can be many; they follow it at the reader's pace until
    /// few enough are left to queue at once: the share of the outbox it keeps free for live frames.
    /// </summary>
    private async Task GoLiveAsync(Session session, RoomSubscription subscription)
    {
        var maxAtOnce = session.Outbox.ReservedForLive;
        while (true)
        {
            var buffered = subscription.Room.GoLiveOrTakeBuffered(subscription, maxAtOnce);
            if (buffered is null)
            {
                return;
            }

            foreach (var frame in buffered)
            {
                if (!await session.Outbox.EnqueueWhenSpaceAsync(frame, session.Closing).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    public void Unsubscribe(RoomSubscription subscription, bool announce = true)
    {
        var room = subscription.Room;
        if (room.Unsubscribe(subscription) && announce)
        {
            var user = subscription.Session.User;
            typing.Clear(room, user);
            _ = TellWhenRecordedAsync(room, user);
        }
    }

    /// <summary>A leave is told once recorded (on a cluster, after a round trip); nobody waits for it.</summary>
    private async Task TellWhenRecordedAsync(Room room, ChatUser user)
    {
        if (await attendance.RecordAsync(room, user, here: false).ConfigureAwait(false) is { } joined)
        {
            AnnounceMember(room, user, joined);
        }
    }

    private void AnnounceMember(Room room, ChatUser user, bool joined)
    {
        var member = new MemberEvent { Room = room.Id, Member = new Presence { UserId = user.Id, UserName = user.Name, Status = PresenceStatus.Online } };
        var frame = Frames.Durable(joined ? new ServerFrame { MemberJoined = member } : new ServerFrame { MemberLeft = member });
        relay.ToRoom(room, frame, exceptUserId: user.Id);
    }
}
