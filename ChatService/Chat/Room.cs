using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// A room's live state. Seq assignment and queueing for commit are serialized by <see cref="SendLock"/>; committed messages fan out under <see cref="FanoutLock"/> in seq order, so every subscriber
/// sees the stored order. <see cref="DeliveredSeq"/> is the seam between replay and live for joiners.
/// </summary>
public sealed class Room
{
    private readonly RoomLane _lane;
    private RecentRate _activity;

    public Room(RoomRecord record)
    {
        Record = record;
        _lane = new RoomLane(this);
    }

    public string Id => Record.Id;

    public RoomRecord Record { get; }

    public SemaphoreSlim SendLock { get; } = new(1, 1);

    /// <summary>Last seq handed out; guarded by <see cref="SendLock"/>.</summary>
    public ulong LastAssignedSeq { get; set; }

    /// <summary>The store generation <see cref="LastAssignedSeq"/> was read under; -1 before the first read.</summary>
    public int SeqGeneration { get; set; } = -1;

    public object FanoutLock { get; } = new();

    /// <summary>Serializes catching up from a shared store, so a room's messages are delivered once and in seq order.</summary>
    public SemaphoreSlim DeliveryLock { get; } = new(1, 1);

    /// <summary>Newest seq fanned out; guarded by <see cref="FanoutLock"/>.</summary>
    public ulong DeliveredSeq { get; set; }

    /// <summary>Copy-on-write under <see cref="FanoutLock"/>, so readers may iterate a snapshot without it.</summary>
    public RoomSubscription[] Subscribers { get; set; } = [];

    public void AddSubscriber(RoomSubscription subscription) => Subscribers = [.. Subscribers, subscription];

    public void RemoveSubscriber(RoomSubscription subscription) => Subscribers = Subscribers.Where(s => s != subscription).ToArray();

    /// <summary>
    /// Hands a message the store just committed to the room's lane, which fans it out off the commit
    /// loop and then completes <paramref name="delivered"/>. Called in seq order.
    /// </summary>
    public void PostCommitted(StoredMessage message, TaskCompletionSource delivered) => _lane.Post(message, delivered);

    /// <summary>A durable room frame, in order behind any committed message not yet fanned out.</summary>
    public void BroadcastDurable(OutboundFrame frame, string? exceptUserId = null)
    {
        if (_lane.TryQueueBehind(frame, exceptUserId))
        {
            return;
        }

        lock (FanoutLock)
        {
            Broadcast(frame, exceptUserId);
        }
    }

    /// <summary>Fans out a committed message; callers deliver seqs in order, one at a time.</summary>
    public void DeliverMessage(StoredMessage message)
    {
        var frame = Frames.Message(message);
        lock (FanoutLock)
        {
            DeliveredSeq = message.Seq;
            _activity.Add(Environment.TickCount64);
            Broadcast(frame);
        }
    }

    /// <summary>Messages per minute lately (a moving average over about a minute), for the busiest-rooms list.</summary>
    public double MessagesPerMinute
    {
        get
        {
            lock (FanoutLock)
            {
                return _activity.PerMinute(Environment.TickCount64);
            }
        }
    }

    /// <summary>Sends a frame to every subscriber. Call under <see cref="FanoutLock"/> for durable frames that must keep order.</summary>
    public void Broadcast(OutboundFrame frame, string? exceptUserId = null)
    {
        foreach (var subscriber in Subscribers)
        {
            if (subscriber.Session.User.Id != exceptUserId)
            {
                subscriber.Deliver(frame);
            }
        }
    }
}

/// <summary>One session's membership in a room's fan-out. While joining it buffers live frames until replay is done.</summary>
public sealed class RoomSubscription(Session session, Room room, int bufferLimit)
{
    private List<OutboundFrame>? _pending = [];

    public Session Session { get; } = session;

    public Room Room { get; } = room;

    /// <summary>Called under the room's fan-out lock.</summary>
    public void Deliver(OutboundFrame frame)
    {
        if (_pending is null)
        {
            Session.Send(frame);
            return;
        }

        if (frame.Durable)
        {
            _pending.Add(frame);
            if (_pending.Count > bufferLimit)
            {
                Session.Close(new CloseReason(ChatErrorCode.ResourceExhausted,
                    "The room moved faster than its history could be replayed. Reconnect and resume from your last seq."));
            }
        }
    }

    /// <summary>
    /// Ends the replay phase if at most <paramref name="maxAtOnce"/> live frames are buffered: they go out
    /// after the replayed ones and null is returned. Otherwise hands back the buffered frames, to be
    /// queued at the reader's pace, and keeps buffering. Called under the fan-out lock.
    /// </summary>
    public List<OutboundFrame>? GoLiveOrTakeBuffered(int maxAtOnce)
    {
        var pending = _pending;
        if (pending is null)
        {
            return null;
        }

        if (pending.Count > maxAtOnce)
        {
            _pending = [];
            return pending;
        }

        _pending = null;
        foreach (var frame in pending)
        {
            Session.Send(frame);
        }

        return null;
    }
}
