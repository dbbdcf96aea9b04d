using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace ChatService.Chat;

/// <summary>One serialized ServerFrame. Durable frames must arrive; ephemeral ones (typing, presence) may be dropped.</summary>
public readonly record struct OutboundFrame(byte[] Payload, bool Durable);

public enum EnqueueResult
{
    Queued,
    Dropped,
    Overflow,
    Closed,
}

/// <summary>
/// A connection's bounded queue of frames, read by its one writer loop. A durable frame that finds it
/// full reports Overflow, and the connection is ended rather than allowed to grow without bound. The
/// other producers leave live durable frames a share that is always free: ephemeral frames are dropped
/// once they hold half or the queue is three quarters full, and paced producers (replays) wait while it
/// is half full. Without that share a replay would keep the queue full at the reader's pace and the
/// next live message for another room would cut off a reader that is keeping up.
/// </summary>
public sealed class Outbox(int capacity)
{
    private readonly int _ephemeralLimit = capacity / 2;
    private readonly int _sharedLimit = capacity - capacity / 4;
    private readonly int _pacedLimit = Math.Max(1, capacity / 2);
    private readonly object _gate = new();
    private readonly Queue<OutboundFrame> _queue = new();
    private readonly ReaderSignal _readable = new();
    private int _ephemeral;
    private bool _completed;
    private bool _discardQueued;
    private TaskCompletionSource? _writable;
    private CancellationToken _wakeToken;

    /// <summary>Slots only live durable frames may take: a quarter, never less than one.</summary>
    public int ReservedForLive => Math.Max(1, capacity - _sharedLimit);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public EnqueueResult TryEnqueue(OutboundFrame frame)
    {
        bool wake;
        lock (_gate)
        {
            if (_completed)
            {
                return EnqueueResult.Closed;
            }

            if (!frame.Durable && (_ephemeral >= _ephemeralLimit || _queue.Count >= _sharedLimit))
            {
                return EnqueueResult.Dropped;
            }

            if (frame.Durable && _queue.Count >= capacity)
            {
                return EnqueueResult.Overflow;
            }

            _queue.Enqueue(frame);
            if (!frame.Durable)
            {
                _ephemeral++;
            }

            wake = _readable.Disarm();
        }

        if (wake)
        {
            _readable.Signal();
        }

        return EnqueueResult.Queued;
    }

    /// <summary>Queues a durable frame once the queue is less than half full, at the reader's pace. Used to replay history.</summary>
    public async ValueTask<bool> EnqueueWhenSpaceAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        bool wake;
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_completed)
                {
                    return false;
                }

                if (_queue.Count < _pacedLimit)
                {
                    _queue.Enqueue(frame);
                    wake = _readable.Disarm();
                    break;
                }

                _writable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _writable.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (wake)
        {
            _readable.Signal();
        }

        return true;
    }

    /// <summary>
    /// Waits for frames; false once the outbox is completed and (unless discarding) drained. One
    /// reader only. Every delivery to an idle connection ends a wait, so a wait allocates nothing:
    /// the signal is reused and the token is registered once, not per wait (so pass the reader's own
    /// token, which ends with it, not a long-lived one).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ValueTask wait;
            lock (_gate)
            {
                if (_queue.Count > 0 && !_discardQueued)
                {
                    return true;
                }

                if (_completed)
                {
                    return false;
                }

                cancellationToken.ThrowIfCancellationRequested();
                wait = _readable.Arm();
            }

            WakeOnCancel(cancellationToken);
            await wait.ConfigureAwait(false);
        }
    }

    public int DrainTo(List<OutboundFrame> batch, int max)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            var taken = 0;
            while (taken < max && _queue.TryDequeue(out var frame))
            {
                batch.Add(frame);
                if (!frame.Durable)
                {
                    _ephemeral--;
                }

                taken++;
            }

            wake = _writable;
            _writable = null;
        }

        wake?.TrySetResult();
        return batch.Count;
    }

    /// <summary>No more frames will be accepted. With <paramref name="discardQueued"/> the reader stops at once.</summary>
    public void Complete(bool discardQueued)
    {
        bool readable;
        TaskCompletionSource? writable;
        lock (_gate)
        {
            _completed = true;
            _discardQueued |= discardQueued;
            readable = _readable.Disarm();
            writable = _writable;
            _writable = null;
        }

        if (readable)
        {
            _readable.Signal();
        }

        writable?.TrySetResult();
    }

    /// <summary>The reader's token, registered the first time it is seen; the loop then notices the cancellation.</summary>
    private void WakeOnCancel(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled || cancellationToken == _wakeToken)
        {
            return;
        }

        _wakeToken = cancellationToken;
        cancellationToken.UnsafeRegister(static state =>
        {
            var outbox = (Outbox)state!;
            bool wake;
            lock (outbox._gate)
            {
                wake = outbox._readable.Disarm();
            }

            if (wake)
            {
                outbox._readable.Signal();
            }
        }, this);
    }
}

/// <summary>A reusable completion for the one reader's wait; armed and disarmed under the outbox's lock.</summary>
internal sealed class ReaderSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _armed;

    /// <summary>Starts a wait. The previous one has been awaited to completion, so the core may be reused.</summary>
    public ValueTask Arm()
    {
        _core.Reset();
        _armed = true;
        return new ValueTask(this, _core.Version);
    }

    /// <summary>True if a wait was armed; the caller must then <see cref="Signal"/> it, outside the lock.</summary>
    public bool Disarm()
    {
        var armed = _armed;
        _armed = false;
        return armed;
    }

    public void Signal() => _core.SetResult(true);

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
