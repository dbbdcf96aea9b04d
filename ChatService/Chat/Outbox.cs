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
/// A connection's bounded queue of frames, read by its one writer loop. Ephemeral frames may fill at
/// most half of it and are dropped beyond that; a durable frame that finds it full reports Overflow,
/// and the connection is ended rather than allowed to grow without bound.
/// </summary>
public sealed class Outbox(int capacity)
{
    private readonly object _gate = new();
    private readonly Queue<OutboundFrame> _queue = new();
    private int _ephemeral;
    private bool _completed;
    private bool _discardQueued;
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _writable;

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
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_completed)
            {
                return EnqueueResult.Closed;
            }

            if (!frame.Durable && (_ephemeral >= capacity / 2 || _queue.Count >= capacity))
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

            wake = _readable;
            _readable = null;
        }

        wake?.TrySetResult();
        return EnqueueResult.Queued;
    }

    /// <summary>Queues a durable frame, waiting for room instead of overflowing. Used to replay history at the reader's pace.</summary>
    public async ValueTask<bool> EnqueueWhenSpaceAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_completed)
                {
                    return false;
                }

                if (_queue.Count < capacity)
                {
                    _queue.Enqueue(frame);
                    var wake = _readable;
                    _readable = null;
                    wake?.TrySetResult();
                    return true;
                }

                _writable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _writable.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for frames; false once the outbox is completed and (unless discarding) drained.</summary>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
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

                _readable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _readable.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
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
        TaskCompletionSource? readable;
        TaskCompletionSource? writable;
        lock (_gate)
        {
            _completed = true;
            _discardQueued |= discardQueued;
            readable = _readable;
            writable = _writable;
            _readable = null;
            _writable = null;
        }

        readable?.TrySetResult();
        writable?.TrySetResult();
    }
}
