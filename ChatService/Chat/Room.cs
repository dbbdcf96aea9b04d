using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// A room's live state, and the one place its invariants are kept. Senders take turns
/// (<see cref="TakeSendTurnAsync"/>) so seqs are handed out and queued for commit in order; committed
/// messages fan out one at a time under the room's fan-out lock, so every subscriber sees the stored
/// order; <see cref="DeliveredSeq"/> is the seam between replay and live for joiners. A durable room
/// frame names the seq it comes after and waits here until that message has gone out, so a deletion
/// or a member event never overtakes a message this node is still reading from the store. Edits and
/// deletions are numbered per room; <see cref="DeliveredChange"/> lets them out strictly in that order.
/// </summary>
public sealed class Room
{
    /// <summary>Frames held for a seq this node never reaches (a store that lost messages) go out anyway past this many.</summary>
    internal const int MaxHeldFrames = 256;

    private readonly object _fanout = new();
    private readonly SemaphoreSlim _sendTurn = new(1, 1);
    private readonly SemaphoreSlim _deliveryTurn = new(1, 1);
    private readonly SemaphoreSlim _changeTurn = new(1, 1);
    private readonly SemaphoreSlim _changeDeliveryTurn = new(1, 1);
    private readonly RoomLane _lane;
    private readonly Queue<HeldFrame> _held = new();
    private RecentRate _activity;
    private ulong _lastAssignedSeq;
    private int _seqGeneration = -1;

    /// <param name="deliveredSeq">The room's newest stored seq when it is loaded: live delivery starts after it.</param>
    /// <param name="deliveredChange">The room's newest change when it is loaded, likewise.</param>
    public Room(RoomRecord record, ulong deliveredSeq = 0, ulong deliveredChange = 0)
    {
        Record = record;
        DeliveredSeq = deliveredSeq;
        DeliveredChange = deliveredChange;
        _lane = new RoomLane(this);
    }

    public string Id => Record.Id;

    public RoomRecord Record { get; }

    /// <summary>Newest seq fanned out here.</summary>
    public ulong DeliveredSeq { get; private set; }

    /// <summary>Newest change (edit or deletion) let out here; every lower one went out before it.</summary>
    public ulong DeliveredChange { get; private set; }

    /// <summary>A snapshot: replaced, never changed, when someone subscribes or leaves.</summary>
    public RoomSubscription[] Subscribers { get; private set; } = [];

    /// <summary>Messages per minute lately (a moving average over about a minute), for the busiest-rooms list.</summary>
    public double MessagesPerMinute
    {
        get
        {
            lock (_fanout)
            {
                return _activity.PerMinute(Environment.TickCount64);
            }
        }
    }

    /// <summary>Stalls the room's fan-out while a test holds it; nothing else takes it from outside.</summary>
    internal object FanoutLockForTests => _fanout;

    /// <summary>
    /// Waits for this room's send turn: one sender at a time takes seqs and queues them for commit. Dispose to pass it on.
    /// A ValueTask, since on the send path the turn is usually free and then nothing is allocated.
    /// </summary>
    public async ValueTask<SendTurn> TakeSendTurnAsync()
    {
        await _sendTurn.WaitAsync().ConfigureAwait(false);
        return new SendTurn(this);
    }

    /// <summary>Waits for the turn to deliver from a shared store, so each message goes out once and in seq order. Dispose to pass it on.</summary>
    public async Task<IDisposable> TakeDeliveryTurnAsync()
    {
        await _deliveryTurn.WaitAsync().ConfigureAwait(false);
        return new Turn(_deliveryTurn);
    }

    /// <summary>Waits for the turn to edit or delete one of this room's messages on this node. Dispose to pass it on.</summary>
    public async Task<IDisposable> TakeChangeTurnAsync()
    {
        await _changeTurn.WaitAsync().ConfigureAwait(false);
        return new Turn(_changeTurn);
    }

    /// <summary>Waits for the turn to read changes this node missed from the store. Dispose to pass it on.</summary>
    public async Task<IDisposable> TakeChangeDeliveryTurnAsync()
    {
        await _changeDeliveryTurn.WaitAsync().ConfigureAwait(false);
        return new Turn(_changeDeliveryTurn);
    }

    /// <summary>Whether the user has a subscription here now (a snapshot).</summary>
    public bool HasSubscriber(string userId) => Subscribers.Any(s => s.Session.User.Id == userId);

    /// <summary>
    /// Adds a joiner; it buffers live frames until its replay up to the returned watermarks (a seq and a
    /// change) is done.
    /// </summary>
    public (bool FirstForUser, ulong Watermark, ulong ChangeWatermark) Subscribe(RoomSubscription subscription)
    {
        lock (_fanout)
        {
            var first = !HasSubscriber(subscription.Session.User.Id);
            Subscribers = [.. Subscribers, subscription];
            return (first, DeliveredSeq, DeliveredChange);
        }
    }

    /// <summary>Removes a subscription; true when it was its user's last one here.</summary>
    public bool Unsubscribe(RoomSubscription subscription)
    {
        lock (_fanout)
        {
            Subscribers = Subscribers.Where(s => s != subscription).ToArray();
            return !HasSubscriber(subscription.Session.User.Id);
        }
    }

    /// <summary>See <see cref="RoomSubscription.GoLiveOrTakeBuffered"/>; taken under the fan-out lock so no frame slips between.</summary>
    public List<OutboundFrame>? GoLiveOrTakeBuffered(RoomSubscription subscription, int maxAtOnce)
    {
        lock (_fanout)
        {
            return subscription.GoLiveOrTakeBuffered(maxAtOnce);
        }
    }

    /// <summary>
    /// Hands a message the store just committed to the room's lane, which fans it out off the commit
    /// loop and then completes <paramref name="delivered"/>. Called in seq order.
    /// </summary>
    public void PostCommitted(StoredMessage message, TaskCompletionSource delivered) => _lane.Post(message, delivered);

    /// <summary>
    /// A durable room frame, in order behind any committed message not yet fanned out and behind message
    /// <paramref name="afterSeq"/>, which the frame's author had seen (the message a deletion names, the
    /// room's position on the node that announced a member).
    /// </summary>
    public void BroadcastDurable(OutboundFrame frame, string? exceptUserId = null, ulong afterSeq = 0)
    {
        if (!_lane.TryQueueBehind(frame, exceptUserId, afterSeq))
        {
            DeliverDurable(frame, exceptUserId, afterSeq);
        }
    }

    /// <summary>
    /// Lets change <paramref name="change"/> out (behind message <paramref name="afterSeq"/>) if it is the
    /// next one. True when it went out or had already; false when an earlier change is missing here.
    /// </summary>
    public bool TryDeliverChange(ulong change, OutboundFrame frame, ulong afterSeq)
    {
        lock (_fanout)
        {
            if (change <= DeliveredChange)
            {
                return true;
            }

            if (change != DeliveredChange + 1)
            {
                return false;
            }

            DeliveredChange = change;
            BroadcastDurable(frame, afterSeq: afterSeq);
            return true;
        }
    }

    /// <summary>
    /// Lets out changes read from the store (ascending, one per message, so numbers may skip), then counts
    /// every change up to <paramref name="upTo"/> as delivered: the ones not read were superseded.
    /// </summary>
    public void DeliverChanges(IEnumerable<(ulong Change, OutboundFrame Frame, ulong AfterSeq)> changes, ulong upTo)
    {
        lock (_fanout)
        {
            foreach (var (change, frame, afterSeq) in changes)
            {
                if (change > DeliveredChange)
                {
                    DeliveredChange = change;
                    BroadcastDurable(frame, afterSeq: afterSeq);
                }
            }

            DeliveredChange = Math.Max(DeliveredChange, upTo);
        }
    }

    /// <summary>An ephemeral frame (typing): order does not matter, so no lock.</summary>
    public void BroadcastEphemeral(OutboundFrame frame, string? exceptUserId = null) => Broadcast(frame, exceptUserId);

    /// <summary>Fans out a committed message; callers deliver seqs in order, one at a time.</summary>
    public void DeliverMessage(StoredMessage message)
    {
        var frame = Frames.Message(message);
        lock (_fanout)
        {
            DeliveredSeq = message.Seq;
            _activity.Add(Environment.TickCount64);
            Broadcast(frame);
            ReleaseHeld(all: false);
        }
    }

    /// <summary>
    /// Moves the live position to <paramref name="seq"/> without reading the messages, if nobody here
    /// subscribes (joiners replay from the store up to it). Returns false when someone does.
    /// </summary>
    public bool TrySkipTo(ulong seq)
    {
        lock (_fanout)
        {
            if (Subscribers.Length > 0)
            {
                return false;
            }

            DeliveredSeq = Math.Max(DeliveredSeq, seq);
            ReleaseHeld(all: false);
            return true;
        }
    }

    internal void DeliverDurable(OutboundFrame frame, string? exceptUserId, ulong afterSeq)
    {
        lock (_fanout)
        {
            if (_held.Count == 0 && DeliveredSeq >= afterSeq)
            {
                Broadcast(frame, exceptUserId);
                return;
            }

            _held.Enqueue(new HeldFrame(frame, exceptUserId, afterSeq));
            if (_held.Count > MaxHeldFrames)
            {
                ReleaseHeld(all: true);
            }
        }
    }

    /// <summary>The next seq, read from the store first when its generation moved since this room last counted. Under the send turn.</summary>
    internal async ValueTask<ulong> NextSeqAsync(int generation, IMessageStore store)
    {
        if (generation != _seqGeneration)
        {
            // A commit failed since this room last counted (or it never did): the store, not memory, knows the last seq.
            _lastAssignedSeq = await store.LastSeqAsync(Id).ConfigureAwait(false);
            _seqGeneration = generation;
        }

        return ++_lastAssignedSeq;
    }

    internal void EndSendTurn() => _sendTurn.Release();

    /// <summary>Sends held frames whose message has gone out, oldest first, so they keep their own order too. Under the fan-out lock.</summary>
    private void ReleaseHeld(bool all)
    {
        while (_held.TryPeek(out var next) && (all || next.AfterSeq <= DeliveredSeq))
        {
            _held.Dequeue();
            Broadcast(next.Frame, next.ExceptUserId);
        }
    }


    private void Broadcast(OutboundFrame frame, string? exceptUserId = null)
    {
        foreach (var subscriber in Subscribers)
        {
            if (subscriber.Session.User.Id != exceptUserId)
            {
                subscriber.Deliver(frame);
            }
        }
    }

    internal readonly record struct HeldFrame(OutboundFrame Frame, string? ExceptUserId, ulong AfterSeq);

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
