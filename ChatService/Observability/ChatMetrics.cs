using System.Diagnostics.Metrics;

namespace ChatService.Observability;

/// <summary>
/// Server metrics on System.Diagnostics.Metrics, meter "ChatGrpc.Server":
/// <c>dotnet-counters monitor -n ChatService --counters ChatGrpc.Server</c>.
/// </summary>
public sealed class ChatMetrics : IDisposable
{
    public const string MeterName = "ChatGrpc.Server";

    private readonly Meter _meter;
    private readonly UpDownCounter<int> _connections;
    private readonly Counter<long> _messagesIn;
    private readonly Counter<long> _framesOut;
    private readonly Counter<long> _flushes;
    private readonly Counter<long> _drops;
    private readonly Counter<long> _overflows;
    private readonly Histogram<double> _commitLatency;
    private readonly Histogram<int> _commitBatch;
    private readonly Counter<long> _webhooks;
    private readonly long[] _perSecond = new long[60];
    private readonly long[] _perSecondStamp = new long[60];
    private readonly long _startedAt = Environment.TickCount64;
    private long _messagesAccepted;

    public ChatMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _connections = _meter.CreateUpDownCounter<int>("chat.connections", description: "Open chat streams");
        _messagesIn = _meter.CreateCounter<long>("chat.messages.in", description: "Messages accepted and stored");
        _framesOut = _meter.CreateCounter<long>("chat.frames.out", description: "Frames queued to connections");
        _flushes = _meter.CreateCounter<long>("chat.frames.flushes", description: "Writes of queued frames to streams, one flush each (a socket write at most)");
        _drops = _meter.CreateCounter<long>("chat.outbox.drops", description: "Ephemeral frames dropped for slow readers");
        _overflows = _meter.CreateCounter<long>("chat.outbox.overflows", description: "Connections ended because their outbox filled");
        _commitLatency = _meter.CreateHistogram<double>("chat.store.commit.duration", "ms", "Time to commit one batch of messages");
        _commitBatch = _meter.CreateHistogram<int>("chat.store.commit.batch", "{message}", "Messages per commit");
        _webhooks = _meter.CreateCounter<long>("chat.webhooks", "{event}", "Webhook deliveries by outcome: delivered, retried, expired (given up), dropped (queue full)");
    }

    public long MessagesAccepted => Interlocked.Read(ref _messagesAccepted);

    public void ConnectionOpened() => _connections.Add(1);

    public void Webhook(string outcome) => _webhooks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void ConnectionClosed() => _connections.Add(-1);

    public void MessageAccepted()
    {
        Interlocked.Increment(ref _messagesAccepted);
        _messagesIn.Add(1);
        var second = Environment.TickCount64 / 1000;
        var slot = (int)(second % 60);
        lock (_perSecond)
        {
            if (_perSecondStamp[slot] != second)
            {
                _perSecondStamp[slot] = second;
                _perSecond[slot] = 0;
            }

            _perSecond[slot]++;
        }
    }

    /// <summary>
    /// Messages accepted per second over the last minute (or the uptime, if shorter), from a
    /// <see cref="MessagesLastMinute"/> series, so one reading of the counts gives both figures.
    /// </summary>
    public double PerSecond(IReadOnlyList<int> lastMinute) =>
        lastMinute.Sum() / Math.Clamp((Environment.TickCount64 - _startedAt) / 1000.0, 1, 60);

    /// <summary>Messages accepted in each of the last 60 seconds, oldest first; the last is the second in progress.</summary>
    public int[] MessagesLastMinute()
    {
        var now = Environment.TickCount64 / 1000;
        var series = new int[60];
        lock (_perSecond)
        {
            for (var i = 0; i < 60; i++)
            {
                var second = now - 59 + i;
                var slot = (int)(((second % 60) + 60) % 60);
                series[i] = _perSecondStamp[slot] == second ? (int)_perSecond[slot] : 0;
            }
        }

        return series;
    }

    public void FramesQueued(int count) => _framesOut.Add(count);

    public void FramesFlushed() => _flushes.Add(1);

    public void EphemeralDropped() => _drops.Add(1);

    public void OutboxOverflowed() => _overflows.Add(1);

    public void RecordCommit(TimeSpan duration, int batchSize)
    {
        _commitLatency.Record(duration.TotalMilliseconds);
        _commitBatch.Record(batchSize);
    }

    public void Dispose() => _meter.Dispose();
}
