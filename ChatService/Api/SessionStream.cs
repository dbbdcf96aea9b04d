using System.Diagnostics;
using ChatGrpc.Contracts.V1;
using ChatService.Auth;
using ChatService.Chat;
using ChatService.Observability;
using ChatService.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;

namespace ChatService.Api;

/// <summary>
/// Runs one chat stream for the caller JwtBearer authenticated: opens a session, pumps its outbox to the response stream with
/// one writer loop, dispatches client frames in order, and ends the stream with the session's status.
/// </summary>
public sealed class SessionStream(
    ChatEngine engine, CallAuthenticator authenticator, WriteCoalescer coalescer, ChatMetrics metrics, ChatOptions options, TimeProvider time, ILogger<SessionStream> logger)
{
    private const int WriteBatch = 64;
    private const int Http2Cancel = 0x8;
    private const int Http2EnhanceYourCalm = 0xb;
    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    public async Task ConnectAsync(IAsyncStreamReader<ClientFrame> requests, IServerStreamWriter<byte[]> responses, ServerCallContext context)
    {
        var session = Open(context);
        RpcException? broken = null;
        try
        {
            var pump = PumpAsync(session, responses, context);
            var reader = ReadFramesAsync(session, requests);
            await Task.WhenAny(pump, reader).ConfigureAwait(false);
            if (reader.IsCompleted)
            {
                // The client half-closed (deliver what is queued, then end OK), reset its stream
                // (a cancel: nobody is left to tell), or broke the protocol (a message over the size
                // limit, say), whose status the stream then ends with.
                var error = reader.Exception?.InnerException;
                broken = error as RpcException;
                if (error is null)
                {
                    session.Close(CloseReason.Normal, flush: true);
                }
                else if (broken is null && (error is IOException || context.CancellationToken.IsCancellationRequested))
                {
                    session.Abandon();
                }
                else
                {
                    session.Close(new CloseReason(ChatErrorCode.Internal, "Reading the stream failed."));
                }
            }
            else
            {
                // The writer stopped: the client is gone. Stop reading too.
                session.Abandon();
            }

            await pump.ConfigureAwait(false);
            await reader.ContinueWith(ObserveReader, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            engine.Release(session);
        }

        if (broken is not null)
        {
            throw new RpcException(broken.Status);
        }

        ThrowIfClosedWithError(session);
    }

    public async Task SubscribeAsync(IServerStreamWriter<byte[]> responses, ServerCallContext context)
    {
        var session = Open(context);
        using var heartbeat = time.CreateTimer(
            state => ((Session)state!).Send(Frames.Ephemeral(new ServerFrame { Pong = new Pong { ServerTime = Timestamp.FromDateTimeOffset(time.GetUtcNow()) } })),
            session,
            options.SubscribeHeartbeat,
            options.SubscribeHeartbeat);
        try
        {
            await PumpAsync(session, responses, context).ConfigureAwait(false);
        }
        finally
        {
            engine.Release(session);
        }

        ThrowIfClosedWithError(session);
    }

    private Session Open(ServerCallContext context)
    {
        try
        {
            var user = CallAuthenticator.Caller(context);
            return engine.Open(CallAuthenticator.ToChatUser(user), user.ExpiresAt, user.SignIn);
        }
        catch (ChatException error)
        {
            throw error.ToRpcException();
        }
    }

    private async Task PumpAsync(Session session, IServerStreamWriter<byte[]> responses, ServerCallContext context)
    {
        // Unsized: it grows to the bursts this connection sees; most idle connections never batch.
        var batch = new List<OutboundFrame>();
        var writing = 0;
        var pace = new StreamPace();
        var gatherBelow = Math.Clamp(options.OutboxCapacity / 8, 1, WriteBatch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        // A session closed for overflow or a kick must not wait on a write the client will never read.
        // Its status cannot follow as trailers (they would queue behind that data), so the stream is
        // reset with the code the client maps back to it; a reset first also keeps the cancelled
        // write from ending the stream as INTERNAL.
        using var onAbort = session.Aborted.Register(() =>
        {
            if (Volatile.Read(ref writing) == 1 && session.CloseStatus is { IsError: true } reason)
            {
                Reset(context, reason.Code);
            }

            stop.Cancel();
        });
        try
        {
            while (await session.Outbox.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                if (session.Outbox.Count < gatherBelow && coalescer.ShouldGather(pace, Stopwatch.GetTimestamp()))
                {
                    // Frames are coming several per interval: let the next ones join this write.
                    // A backlog is written at once instead: waiting on it would only fill the outbox
                    // towards overflow and cap the stream at one batch per interval.
                    await coalescer.NextTick().ConfigureAwait(false);
                    // An abort during the wait must end the stream through the abort path above (its
                    // status as trailers), not through a write on a cancelled token, which resets it as CANCEL.
                    stop.Token.ThrowIfCancellationRequested();
                }

                batch.Clear();
                session.Outbox.DrainTo(batch, WriteBatch);
                Volatile.Write(ref writing, 1);
                // One flush per drained batch: every frame but the last is only buffered.
                for (var i = 0; i < batch.Count; i++)
                {
                    responses.WriteOptions = i < batch.Count - 1 ? Buffered : null;
                    await responses.WriteAsync(batch[i].Payload, stop.Token).ConfigureAwait(false);
                }

                Volatile.Write(ref writing, 0);
                coalescer.Flushed(ref pace, batch.Count, Stopwatch.GetTimestamp());
                metrics.FramesFlushed();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away or the call ended: a failed write aborts this connection only.
            session.Abandon();
        }
    }

    /// <summary>
    /// Ends the stream with RST_STREAM instead of trailers. ENHANCE_YOUR_CALM is what gRPC clients
    /// report as RESOURCE_EXHAUSTED; other closes use CANCEL. Over HTTP/1.1 (gRPC-Web) the connection closes.
    /// </summary>
    private static void Reset(ServerCallContext context, ChatErrorCode code)
    {
        var http = context.GetHttpContext();
        if (http.Features.Get<IHttpResetFeature>() is { } reset)
        {
            reset.Reset(code == ChatErrorCode.ResourceExhausted ? Http2EnhanceYourCalm : Http2Cancel);
        }
        else
        {
            http.Abort();
        }
    }

    /// <summary>
    /// Reads until the client half-closes or the session closes. The call's own token is not linked
    /// in (a linked source and its two registrations are 240 bytes per idle stream): a reset or a
    /// dropped connection fails the read by itself, and a call that ends otherwise (a deadline) stops
    /// the writer loop first, which closes the session.
    /// </summary>
    private async Task ReadFramesAsync(Session session, IAsyncStreamReader<ClientFrame> requests)
    {
        try
        {
            while (await requests.MoveNext(session.Closing).ConfigureAwait(false))
            {
                await DispatchAsync(session, requests.Current).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (session.IsClosed)
        {
            // The session ended (kick, overflow, expiry, drain, the writer stopping) or the client left.
        }
    }

    private async Task DispatchAsync(Session session, ClientFrame frame)
    {
        var requestId = frame.RequestId;
        try
        {
            ServerFrame? reply = frame.FrameCase switch
            {
                ClientFrame.FrameOneofCase.Join => await JoinAsync(session, frame.Join, requestId).ConfigureAwait(false),
                ClientFrame.FrameOneofCase.Leave => new ServerFrame { Left = engine.Leave(session, frame.Leave) },
                ClientFrame.FrameOneofCase.Send => new ServerFrame { SendAck = await engine.SendAsync(session, frame.Send).ConfigureAwait(false) },
                ClientFrame.FrameOneofCase.Typing => Done(() => engine.SetTyping(session, frame.Typing)),
                ClientFrame.FrameOneofCase.Presence => Done(() => engine.SetPresence(session, frame.Presence)),
                ClientFrame.FrameOneofCase.MarkRead => new ServerFrame { ReadMarker = await engine.MarkReadAsync(session, frame.MarkRead).ConfigureAwait(false) },
                ClientFrame.FrameOneofCase.Ping => new ServerFrame { Pong = new Pong { Nonce = frame.Ping.Nonce, ServerTime = Timestamp.FromDateTimeOffset(time.GetUtcNow()) } },
                ClientFrame.FrameOneofCase.RefreshToken => await RefreshAsync(session, frame.RefreshToken).ConfigureAwait(false),
                ClientFrame.FrameOneofCase.EditMessage => ChangeAck(await engine.EditAsync(session.User, frame.EditMessage).ConfigureAwait(false)),
                ClientFrame.FrameOneofCase.DeleteMessage => ChangeAck(await engine.DeleteMessageAsync(session.User, frame.DeleteMessage).ConfigureAwait(false)),
                _ => throw ChatException.InvalidArgument("The frame carries no known command; is the client newer than the server?"),
            };
            if (reply is not null)
            {
                session.Send(Frames.Reply(requestId, reply));
            }
        }
        catch (ChatException error)
        {
            var clientMsgId = frame.FrameCase == ClientFrame.FrameOneofCase.Send ? frame.Send.ClientMsgId : "";
            session.Send(Frames.Reply(requestId, error.ToErrorFrame(clientMsgId)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Frame {Frame} on session {Session} failed", frame.FrameCase, session.Id);
            session.Send(Frames.Reply(requestId, new ChatException(ChatErrorCode.Internal, "The server failed to handle this frame.").ToErrorFrame()));
        }
    }

    private static ServerFrame ChangeAck((StoredMessage Message, bool Duplicate) change) => new()
    {
        ChangeAck = new ChangeAck { Room = change.Message.RoomId, Seq = change.Message.Seq, Change = change.Duplicate ? 0 : change.Message.Change, Duplicate = change.Duplicate },
    };

    /// <summary>Join queues its own Joined frame (it must precede the replay), so there is nothing more to send.</summary>
    private async Task<ServerFrame?> JoinAsync(Session session, JoinRequest request, string requestId)
    {
        await engine.JoinAsync(session, request, requestId).ConfigureAwait(false);
        return null;
    }

    private async Task<ServerFrame> RefreshAsync(Session session, RefreshTokenRequest request)
    {
        var user = await authenticator.ValidateAsync(request.AccessToken).ConfigureAwait(false);
        engine.ExtendToken(session, CallAuthenticator.ToChatUser(user), user.ExpiresAt, user.SignIn);
        return new ServerFrame { TokenRefreshed = new TokenRefreshed { ExpiresAt = Timestamp.FromDateTimeOffset(user.ExpiresAt) } };
    }

    private static ServerFrame? Done(Action action)
    {
        action();
        return null;
    }

    private void ObserveReader(Task reader)
    {
        if (reader.Exception is { } error)
        {
            logger.LogDebug(error, "Reading client frames ended with an error");
        }
    }

    private static void ThrowIfClosedWithError(Session session)
    {
        if (session.CloseStatus is { IsError: true } reason)
        {
            throw new RpcException(reason.ToStatus());
        }
    }
}
