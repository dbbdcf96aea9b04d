using System.Threading.Channels;
using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatGrpc.Client;

/// <summary>The reconnect loop and what each stream does: resume, read, write, refresh, save cursors.</summary>
public sealed partial class ChatClient
{
    /// <summary>Asked of the token provider after the server refused a token that had time left (revoked, signed out).</summary>
    private static readonly TimeSpan AnyFreshToken = TimeSpan.MaxValue;

    private readonly SemaphoreSlim _cursorsChanged = new(0, 1);
    private TimeSpan? _drainingDelay;
    private DateTimeOffset _tokenExpiresAt;
    private TaskCompletionSource? _tokenRefreshed;

    /// <summary>The last error from saving the cursors, if the latest save failed (it is tried again on the next change).</summary>
    public Exception? CursorStoreError { get; private set; }

    private async Task RunAsync(CancellationToken stopping)
    {
        using var saving = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var saver = SaveCursorsLoopAsync(saving.Token);
        var attempt = 0;
        var connectedBefore = false;
        var refused = false;
        while (!stopping.IsCancellationRequested)
        {
            string? reason = null;
            try
            {
                await ChangeStateAsync(new ConnectionChanged(connectedBefore ? ConnectionState.Reconnecting : ConnectionState.Connecting), stopping).ConfigureAwait(false);
                var token = await _tokens.GetAccessTokenAsync(refused ? AnyFreshToken : _options.TokenRefreshMargin, stopping).ConfigureAwait(false);
                using var call = _chat.Connect(new Metadata { { "authorization", "Bearer " + token } }, cancellationToken: stopping);
                if (!await call.ResponseStream.MoveNext(stopping).ConfigureAwait(false) || call.ResponseStream.Current.Welcome is not { } welcome)
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, "The server closed the stream before welcoming us."));
                }

                await ResumeAsync(call, welcome).ConfigureAwait(false);
                await ChangeStateAsync(new ConnectionChanged(ConnectionState.Connected, Resumed: connectedBefore), stopping).ConfigureAwait(false);
                connectedBefore = true;
                attempt = 0;
                refused = false;
                using var streamEnded = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                var writer = WriteLoopAsync(call, _outgoing!);
                var refresher = RefreshBeforeExpiryAsync(streamEnded.Token);
                try
                {
                    while (await call.ResponseStream.MoveNext(stopping).ConfigureAwait(false))
                    {
                        if (Accept(call.ResponseStream.Current) && _options.DeliverEvents)
                        {
                            await _events.Writer.WriteAsync(new FrameReceived(call.ResponseStream.Current), stopping).ConfigureAwait(false);
                        }
                    }

                    reason = "the server ended the stream";
                }
                finally
                {
                    await streamEnded.CancelAsync().ConfigureAwait(false);
                    StopWriting();
                    await Task.WhenAll(writer, refresher).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (stopping.IsCancellationRequested && ex is OperationCanceledException or RpcException)
            {
                break;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated && !refused)
            {
                // Expired or revoked: the next try asks for a new token; a second refusal in a row is final.
                refused = true;
                reason = ex.Status.Detail;
            }
            catch (Exception ex) when (ex is ChatClientException || (ex is RpcException rpc && rpc.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied))
            {
                var (code, detail) = ex is RpcException r ? (r.StatusCode, r.Status.Detail) : (((ChatClientException)ex).Code, ex.Message);
                FailWaiting(code, detail);
                await ChangeStateAsync(new ConnectionChanged(ConnectionState.Failed, Reason: detail), stopping).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException)
            {
                // Transient: the server restarted or is draining, or the network dropped.
                reason = ex is RpcException r ? r.Status.Detail : ex.Message;
            }
            catch (Exception ex)
            {
                // Not the network's doing (a token provider's bug, a cursor store that cannot load):
                // retrying would fail the same way, so the app is told why and the client stops.
                FailWaiting(StatusCode.Internal, ex.Message);
                await ChangeStateAsync(new ConnectionChanged(ConnectionState.Failed, Reason: $"{ex.GetType().Name}: {ex.Message}"), stopping).ConfigureAwait(false);
                break;
            }
            finally
            {
                StopWriting();
            }

            var delay = NextDelay(attempt++);
            await ChangeStateAsync(new ConnectionChanged(ConnectionState.Reconnecting, RetryIn: delay, Reason: reason), stopping).ConfigureAwait(false);
            try
            {
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await saving.CancelAsync().ConfigureAwait(false);
        await saver.ConfigureAwait(false);
        try
        {
            await _cursorStore.SaveAsync(Snapshot(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Reported, not thrown: disposing must not fail because a file could not be written.
            CursorStoreError = ex;
        }

        _events.Writer.TryComplete();
    }

    /// <summary>Records the state and tells the reader; waits for room in the events like a frame does, unless stopping.</summary>
    private async ValueTask ChangeStateAsync(ConnectionChanged change, CancellationToken stopping)
    {
        State = change.State;
        if (!_options.DeliverEvents)
        {
            return;
        }

        try
        {
            await _events.Writer.WriteAsync(change, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed while nobody read: the state is still set, the event is not needed.
        }
    }

    /// <summary>Takes in the welcome, then rejoins every room after its last seq and re-sends what was not acknowledged.</summary>
    private async Task ResumeAsync(AsyncDuplexStreamingCall<ClientFrame, ServerFrame> call, Welcome welcome)
    {
        List<ClientFrame> resume;
        lock (_gate)
        {
            User = welcome.User;
            _tokenExpiresAt = welcome.TokenExpiresAt.ToDateTimeOffset();
            _drainingDelay = null;
            if (_epoch is not null && _epoch != welcome.StoreEpoch)
            {
                // Another history: the seqs held belong to the old one.
                foreach (var room in _rooms.Keys.ToList())
                {
                    _rooms[room] = 0;
                    _changes[room] = 0;
                }
            }

            _epoch = welcome.StoreEpoch;
            _joinRequests.Clear();
            _changeRequests.Clear();
            resume = [];
            foreach (var (room, seq) in _rooms)
            {
                var join = new ClientFrame
                {
                    RequestId = NextRequestId(),
                    Join = new JoinRequest { Room = room, AfterSeq = seq, StoreEpoch = _epoch, AfterChange = _changes.GetValueOrDefault(room) },
                };
                _joinRequests[join.RequestId] = room;
                resume.Add(join);
            }

            resume.AddRange(_pending.Select(p => new ClientFrame { RequestId = NextRequestId(), Send = p.Request }));
            resume.AddRange(_pendingChanges.Select(ChangeFrame));

            _outgoing = Channel.CreateUnbounded<ClientFrame>(new UnboundedChannelOptions { SingleReader = true });
        }

        foreach (var frame in resume)
        {
            await call.RequestStream.WriteAsync(frame).ConfigureAwait(false);
        }
    }

    private void StopWriting()
    {
        lock (_gate)
        {
            _outgoing?.Writer.TryComplete();
            _outgoing = null;
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

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException or OperationCanceledException)
        {
            // The stream is going down; the reading side notices and reconnects.
        }
    }

    /// <summary>Hands the stream a fresh token before the one it holds expires, for as long as the stream lasts.</summary>
    private async Task RefreshBeforeExpiryAsync(CancellationToken streamEnded)
    {
        var margin = _options.TokenRefreshMargin;
        try
        {
            while (!streamEnded.IsCancellationRequested)
            {
                var expiresAt = _tokenExpiresAt;
                var wait = expiresAt - margin - _time.GetUtcNow();
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, streamEnded).ConfigureAwait(false);
                var token = await _tokens.GetAccessTokenAsync(margin * 2, streamEnded).ConfigureAwait(false);
                var refreshed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_gate)
                {
                    _tokenRefreshed = refreshed;
                }

                Write(new ClientFrame { RefreshToken = new RefreshTokenRequest { AccessToken = token } });
                try
                {
                    await refreshed.Task.WaitAsync(margin, _time, streamEnded).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // No TokenRefreshed: the stream ends with UNAUTHENTICATED at the old expiry and the
                    // reconnect asks for a new token.
                    return;
                }

                if (_tokenExpiresAt <= expiresAt)
                {
                    // The provider had nothing fresher; asking again at once would only spin.
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (streamEnded.IsCancellationRequested)
        {
            // The stream ended; the next one schedules its own refresh.
        }
        catch (ChatClientException)
        {
            // No token to be had: the stream ends at expiry and the reconnect reports the refusal.
        }
    }

    private TimeSpan NextDelay(int attempt)
    {
        var jitter = 0.5 + Random.Shared.NextDouble();
        if (_drainingDelay is { } draining)
        {
            // A draining server said when to come back: not before, and not all clients at once.
            // Once waited out, a server not yet back is retried with the usual backoff.
            _drainingDelay = null;
            return draining + (draining * (jitter - 0.5) / 2);
        }

        var backoff = Math.Min(_options.MaxReconnectDelay.TotalMilliseconds, _options.ReconnectDelay.TotalMilliseconds * Math.Pow(2, attempt));
        return TimeSpan.FromMilliseconds(backoff * jitter);
    }

    private void SaveCursors()
    {
        if (_cursorsChanged.CurrentCount == 0)
        {
            try
            {
                _cursorsChanged.Release();
            }
            catch (SemaphoreFullException)
            {
                // Signalled by another change at the same moment: one save covers both.
            }
        }
    }

    private async Task SaveCursorsLoopAsync(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await _cursorsChanged.WaitAsync(stopping).ConfigureAwait(false);
                try
                {
                    await _cursorStore.SaveAsync(Snapshot(), stopping).ConfigureAwait(false);
                    CursorStoreError = null;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    CursorStoreError = ex;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // DisposeAsync saves the final state.
        }
    }
}
