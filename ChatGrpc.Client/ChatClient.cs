using System.Threading.Channels;
using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatGrpc.Client;

/// <summary>
/// One Connect stream that survives restarts and network loss: it reconnects with jittered backoff
/// (waiting as long as a draining server asks), rejoins every room after the last seq seen (a reset
/// when the store's epoch changed), re-sends unacknowledged messages with their original
/// client_msg_id so each is stored once, and hands the stream a fresh token before the old one
/// expires. Messages reach <see cref="ReadEventsAsync"/> once each, in seq order per room; edits and
/// deletions once each, in the room's change order, including those made while it was away.
/// </summary>
public sealed partial class ChatClient : IAsyncDisposable
{
    private readonly ChatService.ChatServiceClient _chat;
    private readonly IAccessTokenProvider _tokens;
    private readonly ChatClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ICursorStore _cursorStore;
    private readonly Channel<ChatClientEvent> _events;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private readonly Dictionary<string, ulong> _rooms = new();
    private readonly Dictionary<string, ulong> _changes = new();
    private readonly List<PendingChange> _pendingChanges = new();
    private readonly Dictionary<string, PendingChange> _changeRequests = new();
    private readonly List<PendingSend> _pending = new();
    private readonly Dictionary<string, TaskCompletionSource<Joined>> _joins = new();
    private readonly Dictionary<string, string> _joinRequests = new();
    private Task _running = Task.CompletedTask;
    private Channel<ClientFrame>? _outgoing;
    private string? _epoch;
    private int _requests;

    public ChatClient(ChannelBase channel, IAccessTokenProvider tokens, ChatClientOptions? options = null)
    {
        _chat = new ChatService.ChatServiceClient(channel);
        _tokens = tokens;
        _options = options ?? new ChatClientOptions();
        _time = _options.TimeProvider;
        _cursorStore = _options.CursorStore ?? new InMemoryCursorStore();
        _events = Channel.CreateBounded<ChatClientEvent>(new BoundedChannelOptions(_options.EventCapacity) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public ConnectionState State { get; private set; } = ConnectionState.Connecting;

    /// <summary>The signed-in user, from the server's last welcome.</summary>
    public User? User { get; private set; }

    /// <summary>Rooms joined (or being rejoined), whatever the connection's state.</summary>
    public IReadOnlyCollection<string> Rooms
    {
        get
        {
            lock (_gate)
            {
                return _rooms.Keys.ToList();
            }
        }
    }

    /// <summary>Messages sent and not yet acknowledged: they are re-sent on every reconnect until they are.</summary>
    public int PendingSends
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>The newest seq seen in a room (0 when none).</summary>
    public ulong LastSeq(string room)
    {
        lock (_gate)
        {
            return _rooms.GetValueOrDefault(room);
        }
    }

    /// <summary>Loads the cursors (rejoining the rooms they name) and opens the stream; it keeps reconnecting until disposed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var saved = await _cursorStore.LoadAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (saved is not null)
            {
                _epoch = saved.StoreEpoch;
                foreach (var (room, seq) in saved.Rooms)
                {
                    _rooms.TryAdd(room, seq);
                    _changes.TryAdd(room, saved.Changes?.GetValueOrDefault(room) ?? 0);
                }
            }
        }

        _running = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>Connection changes and server frames, in order. One reader at a time.</summary>
    public IAsyncEnumerable<ChatClientEvent> ReadEventsAsync(CancellationToken cancellationToken = default) =>
        _events.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Joins a room (resuming after its last seen seq if it was joined before) and completes with the
    /// server's Joined; the room stays joined across reconnects until <see cref="Leave"/>.
    /// </summary>
    public Task<Joined> JoinAsync(string room, CancellationToken cancellationToken = default)
    {
        var joined = new TaskCompletionSource<Joined>(TaskCreationOptions.RunContinuationsAsynchronously);
        var join = new JoinRequest { Room = room };
        lock (_gate)
        {
            _rooms.TryAdd(room, 0);
            _changes.TryAdd(room, 0);
            join.AfterSeq = _rooms[room];
            join.AfterChange = _changes[room];
            join.StoreEpoch = _epoch ?? "";
            _joins[room] = joined;
        }

        Write(new ClientFrame { Join = join }, joinOf: room);
        SaveCursors();
        return joined.Task.WaitAsync(cancellationToken);
    }

    public void Leave(string room)
    {
        lock (_gate)
        {
            _rooms.Remove(room);
            _changes.Remove(room);
            if (_joins.Remove(room, out var joining))
            {
                joining.TrySetCanceled();
            }
        }

        Write(new ClientFrame { Leave = new LeaveRequest { Room = room } });
        SaveCursors();
    }

    /// <summary>
    /// Sends a message and completes with its durable ack. While disconnected it waits and is sent on
    /// reconnect; it is re-sent with the same client_msg_id until acknowledged, and a rate-limit refusal
    /// is retried after the server's retry_after. Cancelling stops the wait, not the send.
    /// </summary>
    public Task<SendAck> SendAsync(string room, string text, CancellationToken cancellationToken = default) => SendAsync(room, text, replyTo: 0, cancellationToken);

    /// <summary>As <see cref="SendAsync(string, string, CancellationToken)"/>, answering message <paramref name="replyTo"/> of the room (0: none).</summary>
    public Task<SendAck> SendAsync(string room, string text, ulong replyTo, CancellationToken cancellationToken = default)
    {
        var send = new PendingSend(new SendRequest { Room = room, Text = text, ClientMsgId = Guid.NewGuid().ToString("N"), ReplyTo = replyTo });
        lock (_gate)
        {
            _pending.Add(send);
        }

        Write(new ClientFrame { Send = send.Request });
        return send.Acked.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Replaces the text of one of the user's own messages; completes with the server's ack once stored.
    /// Like a send it waits out a disconnection and is re-sent (with one client_edit_id, so it applies once).
    /// The room, this client included, then hears message_edited.
    /// </summary>
    public Task<ChangeAck> EditAsync(string room, ulong seq, string text, CancellationToken cancellationToken = default) =>
        ChangeAsync(new ClientFrame { EditMessage = new EditMessageRequest { Room = room, Seq = seq, Text = text, ClientEditId = Guid.NewGuid().ToString("N") } }, cancellationToken);

    /// <summary>Deletes one of the user's own messages (a moderator: anyone's); the room then hears message_deleted.</summary>
    public Task<ChangeAck> DeleteAsync(string room, ulong seq, CancellationToken cancellationToken = default) =>
        ChangeAsync(new ClientFrame { DeleteMessage = new DeleteMessageRequest { Room = room, Seq = seq } }, cancellationToken);

    /// <summary>True while typing (repeat every few seconds), false to clear at once. Dropped while disconnected.</summary>
    public void SetTyping(string room, bool active) => Write(new ClientFrame { Typing = new SetTypingRequest { Room = room, Active = active } });

    public void SetPresence(PresenceStatus status, string statusText = "") =>
        Write(new ClientFrame { Presence = new SetPresenceRequest { Status = status, StatusText = statusText } });

    /// <summary>Marks a room read up to <paramref name="seq"/>, or up to the newest seq seen.</summary>
    public void MarkRead(string room, ulong? seq = null) => Write(new ClientFrame { MarkRead = new MarkReadRequest { Room = room, Seq = seq ?? LastSeq(room) } });

    /// <summary>Closes the stream, saves the cursors and cancels what still waits for an answer.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        if (_running == Task.CompletedTask)
        {
            // Never started: the cursors are saved here rather than by the connection loop.
            await _cursorStore.SaveAsync(Snapshot(), CancellationToken.None).ConfigureAwait(false);
        }

        lock (_gate)
        {
            foreach (var send in _pending)
            {
                send.Acked.TrySetCanceled();
            }

            foreach (var joining in _joins.Values)
            {
                joining.TrySetCanceled();
            }

            foreach (var change in _pendingChanges)
            {
                change.Acked.TrySetCanceled();
            }
        }

        _stopping.Dispose();
    }

    private CursorSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new CursorSnapshot(_epoch, new Dictionary<string, ulong>(_rooms), new Dictionary<string, ulong>(_changes));
        }
    }

    /// <summary>Queues a frame for the current stream, in order; dropped while disconnected (the reconnect re-sends what matters).</summary>
    private void Write(ClientFrame frame, string? joinOf = null)
    {
        lock (_gate)
        {
            if (_outgoing is null)
            {
                return;
            }

            frame.RequestId = NextRequestId();
            if (joinOf is not null)
            {
                _joinRequests[frame.RequestId] = joinOf;
            }

            _outgoing.Writer.TryWrite(frame);
        }
    }

    private Task<ChangeAck> ChangeAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        var change = new PendingChange(frame);
        lock (_gate)
        {
            _pendingChanges.Add(change);
            WriteChange(change);
        }

        return change.Acked.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes a pending edit or deletion under a new request id, if connected. Under the gate.</summary>
    private void WriteChange(PendingChange change)
    {
        if (_outgoing is null)
        {
            return;
        }

        _outgoing.Writer.TryWrite(ChangeFrame(change));
    }

    /// <summary>A pending edit or deletion's frame under a new request id, which its answer will name. Under the gate.</summary>
    private ClientFrame ChangeFrame(PendingChange change)
    {
        var frame = change.Frame.Clone();
        frame.RequestId = NextRequestId();
        _changeRequests[frame.RequestId] = change;
        return frame;
    }

    private string NextRequestId() => Interlocked.Increment(ref _requests).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class PendingChange(ClientFrame frame)
    {
        public ClientFrame Frame { get; } = frame;

        public TaskCompletionSource<ChangeAck> Acked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class PendingSend(SendRequest request)
    {
        public SendRequest Request { get; } = request;

        public TaskCompletionSource<SendAck> Acked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
