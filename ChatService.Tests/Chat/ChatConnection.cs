using ChatGrpc.Contracts.V1;
using ChatCli.Client;
using Grpc.Core;
using Grpc.Net.Client;

namespace ChatService.Tests.Chat;

/// <summary>
/// A test's end of a Connect stream: a background reader records every server frame, and waits
/// look through them with a timeout, so a missing frame fails the test instead of hanging it.
/// </summary>
internal sealed class ChatConnection : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<ClientFrame, ServerFrame> _call;
    private readonly List<ServerFrame> _frames = new();
    // Replaced on every arrival, so any number of concurrent waiters all wake up.
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    // A gRPC request stream takes one write at a time; tests send from several tasks at once.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private int _nextRequest;
    private volatile bool _disposing;

    public ChatConnection(AsyncDuplexStreamingCall<ClientFrame, ServerFrame> call)
    {
        _call = call;
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>How the stream ended: null while open, OK, or the error status.</summary>
    public Status? EndStatus { get; private set; }

    public IReadOnlyList<ServerFrame> Frames
    {
        get
        {
            lock (_frames)
            {
                return _frames.ToList();
            }
        }
    }

    public IReadOnlyList<ChatMessage> Messages(string room) =>
        Frames.Where(f => f.FrameCase == ServerFrame.FrameOneofCase.Message && f.Message.Room == room).Select(f => f.Message).ToList();

    public Welcome Welcome => Frames.First(f => f.FrameCase == ServerFrame.FrameOneofCase.Welcome).Welcome;

    public async Task<string> SendFrameAsync(ClientFrame frame)
    {
        frame.RequestId = "q" + Interlocked.Increment(ref _nextRequest);
        await _writeLock.WaitAsync(ChatServerHost.Timeout);
        try
        {
            await _call.RequestStream.WriteAsync(frame).WaitAsync(ChatServerHost.Timeout);
        }
        finally
        {
            _writeLock.Release();
        }

        return frame.RequestId;
    }

    public async Task<Joined> JoinAsync(string room, ulong afterSeq = 0, string? epoch = null, ulong afterChange = 0)
    {
        var id = await SendFrameAsync(new ClientFrame { Join = new JoinRequest { Room = room, AfterSeq = afterSeq, StoreEpoch = epoch ?? "", AfterChange = afterChange } });
        var reply = await ReplyAsync(id);
        Assert.AreEqual(ServerFrame.FrameOneofCase.Joined, reply.FrameCase, $"join {room}: {reply}");
        return reply.Joined;
    }

    public async Task<SendAck> SendAsync(string room, string text, string? clientMsgId = null)
    {
        var reply = await SendRawAsync(room, text, clientMsgId);
        Assert.AreEqual(ServerFrame.FrameOneofCase.SendAck, reply.FrameCase, $"send to {room}: {reply}");
        return reply.SendAck;
    }

    public async Task<ServerFrame> SendRawAsync(string room, string text, string? clientMsgId = null)
    {
        var id = await SendFrameAsync(new ClientFrame
        {
            Send = new SendRequest { Room = room, Text = text, ClientMsgId = clientMsgId ?? Guid.NewGuid().ToString("N") },
        });
        return await ReplyAsync(id);
    }

    /// <summary>Edits a message by frame; the reply (a change_ack or an error frame).</summary>
    public async Task<ServerFrame> EditAsync(string room, ulong seq, string text, string clientEditId = "") =>
        await ReplyAsync(await SendFrameAsync(new ClientFrame { EditMessage = new EditMessageRequest { Room = room, Seq = seq, Text = text, ClientEditId = clientEditId } }));

    /// <summary>Deletes a message by frame; the reply (a change_ack or an error frame).</summary>
    public async Task<ServerFrame> DeleteAsync(string room, ulong seq) =>
        await ReplyAsync(await SendFrameAsync(new ClientFrame { DeleteMessage = new DeleteMessageRequest { Room = room, Seq = seq } }));

    public Task<ServerFrame> ReplyAsync(string requestId) => WaitForAsync(f => f.RequestId == requestId);

    /// <summary>The first frame received so far or later that matches.</summary>
    public async Task<ServerFrame> WaitForAsync(Func<ServerFrame, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? ChatServerHost.Timeout);
        while (true)
        {
            var arrival = Volatile.Read(ref _arrived).Task;
            var found = Frames.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (EndStatus is { } ended)
            {
                Assert.Fail($"The stream ended ({ended}) before the expected frame arrived. Received: {string.Join(", ", Frames.Select(f => f.FrameCase))}");
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || !await ArrivedAsync(arrival, remaining))
            {
                Assert.Fail($"No matching frame within the timeout. Received: {string.Join(", ", Frames.Select(f => f.FrameCase))}");
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> frames match.</summary>
    public async Task<IReadOnlyList<ServerFrame>> WaitForCountAsync(Func<ServerFrame, bool> match, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? ChatServerHost.Timeout);
        while (true)
        {
            var arrival = Volatile.Read(ref _arrived).Task;
            var found = Frames.Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (EndStatus is not null || remaining <= TimeSpan.Zero || !await ArrivedAsync(arrival, remaining))
            {
                Assert.Fail($"Expected {count} matching frames, got {found.Count} (stream end: {EndStatus?.ToString() ?? "open"}).");
            }
        }
    }

    /// <summary>Waits for the server to end the stream and returns its status.</summary>
    public async Task<Status> WaitForEndAsync(TimeSpan? timeout = null)
    {
        await _reader.WaitAsync(timeout ?? ChatServerHost.Timeout);
        return EndStatus!.Value;
    }

    public async Task CompleteAsync() => await _call.RequestStream.CompleteAsync().WaitAsync(ChatServerHost.Timeout);

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        _call.Dispose();
        await _reader.WaitAsync(ChatServerHost.Timeout);
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext())
            {
                lock (_frames)
                {
                    _frames.Add(_call.ResponseStream.Current);
                }

                Signal();
            }

            EndStatus = Status.DefaultSuccess;
        }
        catch (RpcException ex)
        {
            EndStatus = ex.Status;
        }
        catch (ObjectDisposedException) when (_disposing)
        {
            // Disposed between two reads (the call was not inside MoveNext to see the cancel): the test is done with it.
        }

        Signal();
    }

    private void Signal() =>
        Interlocked.Exchange(ref _arrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private static async Task<bool> ArrivedAsync(Task arrival, TimeSpan timeout) =>
        await Task.WhenAny(arrival, Task.Delay(timeout)) == arrival;
}
