using System.Threading.Channels;
using ChatCli.Cli;
using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatCli.Client;

internal enum LinkState
{
    Connecting,
    Connected,
    Reconnecting,
    Failed,
}

internal abstract record SessionEvent;

/// <summary>The connection changed; <see cref="RetryIn"/> is set while waiting to reconnect.</summary>
internal sealed record LinkChanged(LinkState State, bool Resumed = false, TimeSpan? RetryIn = null, string? Reason = null) : SessionEvent;

/// <summary>A server frame, already filtered: a message is never delivered twice.</summary>
internal sealed record FrameArrived(ServerFrame Frame) : SessionEvent;

/// <summary>
/// A Connect stream that survives network loss: reconnects with backoff and jitter, resumes every
/// joined room from its last seq, and re-sends unacknowledged messages with their original
/// client_msg_id, so each is stored exactly once.
/// </summary>
internal sealed class LiveSession(ServerAccess access)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ulong> _rooms = new();
    private readonly List<SendRequest> _pending = new();
    private readonly Channel<SessionEvent> _events = Channel.CreateUnbounded<SessionEvent>();
    private Channel<ClientFrame>? _outgoing;
    private string? _epoch;
    private int _requests;

    public ChannelReader<SessionEvent> Events => _events.Reader;

    public User? User { get; private set; }

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

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        var connectedBefore = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                _events.Writer.TryWrite(new LinkChanged(connectedBefore ? LinkState.Reconnecting : LinkState.Connecting));
                var options = await access.AuthorizedAsync(stream: true, cancellationToken).ConfigureAwait(false);
                using var call = access.Chat.Connect(options);
                if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, "The server closed the stream before welcoming us."));
                }

                var welcome = call.ResponseStream.Current.Welcome ?? throw new RpcException(new Status(StatusCode.Internal, "The first frame was not a welcome."));
                var outgoing = await OnConnectedAsync(call, welcome).ConfigureAwait(false);
                _ = WriteLoopAsync(call, outgoing);
                _events.Writer.TryWrite(new LinkChanged(LinkState.Connected, Resumed: connectedBefore));
                connectedBefore = true;
                attempt = 0;
                using var refresher = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _ = RefreshBeforeExpiryAsync(welcome.TokenExpiresAt.ToDateTimeOffset(), refresher.Token);
                while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    if (Accept(call.ResponseStream.Current))
                    {
                        _events.Writer.TryWrite(new FrameArrived(call.ResponseStream.Current));
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
            {
                _events.Writer.TryWrite(new LinkChanged(LinkState.Failed, Reason: ex.Status.Detail));
                break;
            }
            catch (CliException ex) when (ex.ExitCode == ExitCodes.Auth)
            {
                _events.Writer.TryWrite(new LinkChanged(LinkState.Failed, Reason: ex.Message));
                break;
            }
            catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException)
            {
                // Transient: the server restarted, the network dropped, or the token expired (refreshed on the next try).
            }
            finally
            {
                lock (_gate)
                {
                    _outgoing?.Writer.TryComplete();
                    _outgoing = null;
                }
            }

            var delay = Backoff(attempt++);
            _events.Writer.TryWrite(new LinkChanged(LinkState.Reconnecting, RetryIn: delay));
            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _events.Writer.TryComplete();
    }

    public void Join(string room)
    {
        lock (_gate)
        {
            _rooms.TryAdd(room, 0);
        }

        Write(new ClientFrame { Join = new JoinRequest { Room = room, AfterSeq = LastSeq(room), StoreEpoch = _epoch ?? "" } });
    }

    public void Leave(string room)
    {
        lock (_gate)
        {
            _rooms.Remove(room);
        }

        Write(new ClientFrame { Leave = new LeaveRequest { Room = room } });
    }

    /// <summary>Queues a message; it is sent now if connected, else on reconnect, and retried until acked.</summary>
    public string Send(string room, string text)
    {
        var request = new SendRequest { Room = room, Text = text, ClientMsgId = Guid.NewGuid().ToString("N") };
        lock (_gate)
        {
            _pending.Add(request);
        }

        Write(new ClientFrame { Send = request });
        return request.ClientMsgId;
    }

    public void Typing(string room, bool active) => Write(new ClientFrame { Typing = new SetTypingRequest { Room = room, Active = active } });

    public void SetPresence(PresenceStatus status, string text) =>
        Write(new ClientFrame { Presence = new SetPresenceRequest { Status = status, StatusText = text } });

    public void MarkRead(string room) => Write(new ClientFrame { MarkRead = new MarkReadRequest { Room = room, Seq = LastSeq(room) } });

    public ulong LastSeq(string room)
    {
        lock (_gate)
        {
            return _rooms.GetValueOrDefault(room);
        }
    }

    private async Task<Channel<ClientFrame>> OnConnectedAsync(AsyncDuplexStreamingCall<ClientFrame, ServerFrame> call, Welcome welcome)
    {
        List<ClientFrame> resume;
        var outgoing = Channel.CreateUnbounded<ClientFrame>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            User = welcome.User;
            if (_epoch is not null && _epoch != welcome.StoreEpoch)
            {
                // Another history: our seqs mean nothing there.
                foreach (var room in _rooms.Keys.ToList())
                {
                    _rooms[room] = 0;
                }
            }

            _epoch = welcome.StoreEpoch;
            _outgoing = outgoing;
            resume = _rooms.Select(r => new ClientFrame { Join = new JoinRequest { Room = r.Key, AfterSeq = r.Value, StoreEpoch = _epoch } })
                .Concat(_pending.Select(p => new ClientFrame { Send = p }))
                .ToList();
        }

        foreach (var frame in resume)
        {
            frame.RequestId = NextRequestId();
            await call.RequestStream.WriteAsync(frame).ConfigureAwait(false);
        }

        return outgoing;
    }

    /// <summary>Keeps session state in step with a frame; false for a message already delivered.</summary>
    private bool Accept(ServerFrame frame)
    {
        lock (_gate)
        {
            switch (frame.FrameCase)
            {
                case ServerFrame.FrameOneofCase.Message:
                    var message = frame.Message;
                    if (!_rooms.TryGetValue(message.Room, out var last) || message.Seq <= last)
                    {
                        return false;
                    }

                    _rooms[message.Room] = message.Seq;
                    return true;
                case ServerFrame.FrameOneofCase.Joined:
                    var joined = frame.Joined;
                    if (joined.Resume != ResumeResult.Complete && _rooms.ContainsKey(joined.Room.Id))
                    {
                        _rooms[joined.Room.Id] = joined.History.Count > 0 ? joined.History[^1].Seq : joined.LastSeq;
                    }

                    return true;
                case ServerFrame.FrameOneofCase.SendAck:
                    _pending.RemoveAll(p => p.ClientMsgId == frame.SendAck.ClientMsgId);
                    return true;
                case ServerFrame.FrameOneofCase.Error when frame.Error.ClientMsgId.Length > 0:
                    // Refused for good (too long, not joined...): retrying would be refused again.
                    _pending.RemoveAll(p => p.ClientMsgId == frame.Error.ClientMsgId);
                    return true;
                default:
                    return true;
            }
        }
    }

    private async Task RefreshBeforeExpiryAsync(DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = expiresAt - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(20);
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                var token = await access.AccessTokenAsync(cancellationToken).ConfigureAwait(false);
                Write(new ClientFrame { RefreshToken = new RefreshTokenRequest { AccessToken = token } });
                expiresAt = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(14);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or CliException)
        {
            // The stream ends with UNAUTHENTICATED and the reconnect loop logs in again or reports it.
        }
    }

    /// <summary>Queues a frame for the current stream, in order; dropped while disconnected (the reconnect re-sends what matters).</summary>
    private void Write(ClientFrame frame)
    {
        lock (_gate)
        {
            if (_outgoing is null)
            {
                return;
            }

            frame.RequestId = NextRequestId();
            _outgoing.Writer.TryWrite(frame);
        }
    }

    /// <summary>One writer per stream keeps frames in the order they were made.</summary>
    private static async Task WriteLoopAsync(AsyncDuplexStreamingCall<ClientFrame, ServerFrame> call, Channel<ClientFrame> outgoing)
    {
        try
        {
            await foreach (var frame in outgoing.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                await call.RequestStream.WriteAsync(frame).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
        {
            // The stream is going down; the reading side notices and reconnects.
        }
    }

    private string NextRequestId() => Interlocked.Increment(ref _requests).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>0.5 s doubling to 30 s, each wait jittered by ±50% so a restarted server is not hit all at once.</summary>
    private static TimeSpan Backoff(int attempt)
    {
        var seconds = Math.Min(30, 0.5 * Math.Pow(2, attempt));
        return TimeSpan.FromSeconds(seconds * (0.5 + Random.Shared.NextDouble()));
    }
}
