using System.Collections.Concurrent;
using ChatGrpc.Contracts.V1;
using ChatService.Observability;

namespace ChatService.Chat;

/// <summary>A user as the chat domain sees them.</summary>
public sealed record ChatUser(string Id, string Name, Role Role);

/// <summary>
/// One connected device: a Connect or Subscribe stream. Owns the bounded outbox its writer loop
/// drains, and the rooms it has joined. Closing it ends the stream with the recorded status.
/// </summary>
public sealed class Session
{
    private readonly ChatMetrics _metrics;
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _aborted = new();
    private int _closed;

    public Session(string id, ChatUser user, DateTimeOffset tokenExpiresAt, int outboxCapacity, ChatMetrics metrics)
    {
        Id = id;
        User = user;
        TokenExpiresAt = tokenExpiresAt;
        Outbox = new Outbox(outboxCapacity);
        _metrics = metrics;
    }

    public string Id { get; }

    public ChatUser User { get; }

    public DateTimeOffset TokenExpiresAt { get; set; }

    /// <summary>The sign-in (login) whose token the session runs on; ending that sign-in ends the session.</summary>
    public string SignIn { get; set; } = "";

    /// <summary>Ends the session when its token expires; moved by each refresh (<see cref="ChatEngine.ExtendToken"/>).</summary>
    internal ITimer? Expiry { get; set; }

    public Outbox Outbox { get; }

    /// <summary>
    /// Rooms this connection has joined, by id. One lock and room for two: joins and leaves of one
    /// connection are rare and few, and the defaults (a lock per core, 31 buckets) cost an idle
    /// session about 300 bytes more.
    /// </summary>
    public ConcurrentDictionary<string, RoomSubscription> Rooms { get; } = new(concurrencyLevel: 1, capacity: 2);

    /// <summary>Cancelled when the session closes, for whatever reason.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Cancelled when the session closes without delivering what is queued: in-flight writes should stop too.</summary>
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Why the server ended the stream; null while open or when the client went away.</summary>
    public CloseReason? CloseStatus { get; private set; }

    public bool IsClosed => Volatile.Read(ref _closed) == 1;

    /// <summary>Queues a frame. A durable frame that overflows the outbox ends the session with RESOURCE_EXHAUSTED.</summary>
    public void Send(OutboundFrame frame)
    {
        switch (Outbox.TryEnqueue(frame))
        {
            case EnqueueResult.Queued:
                _metrics.FramesQueued(1);
                break;
            case EnqueueResult.Dropped:
                _metrics.EphemeralDropped();
                break;
            case EnqueueResult.Overflow:
                _metrics.OutboxOverflowed();
                Close(new CloseReason(ChatErrorCode.ResourceExhausted,
                    "The connection fell too far behind and was closed. Reconnect and resume each room from its last seq."));
                break;
        }
    }

    /// <summary>Ends the session. Only the first status counts. With <paramref name="flush"/> queued frames are still written.</summary>
    public void Close(CloseReason status, bool flush = false)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        CloseStatus = status;
        Outbox.Complete(discardQueued: !flush);
        CancelOffThisThread(_closing);
        if (!flush)
        {
            CancelOffThisThread(_aborted);
        }
    }

    /// <summary>The client went away; nothing to tell it.</summary>
    public void Abandon()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        Outbox.Complete(discardQueued: true);
        CancelOffThisThread(_closing);
        CancelOffThisThread(_aborted);
    }

    /// <summary>
    /// Sessions are closed from fan-out loops that hold a room's lock; the stream teardown their
    /// tokens trigger (a reset, exceptions, the writer's exit) must not run there and stall the room.
    /// The token reads as cancelled at once; only its callbacks move to the thread pool.
    /// </summary>
    private static void CancelOffThisThread(CancellationTokenSource source) => _ = source.CancelAsync();
}
