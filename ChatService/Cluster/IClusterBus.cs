using System.Threading.Channels;

namespace ChatService.Cluster;

/// <summary>
/// How a node tells the others what happened here. On one node it goes nowhere; on a cluster it is
/// Postgres LISTEN/NOTIFY. Publishing never blocks and never throws into the caller.
/// </summary>
public interface IClusterBus
{
    string NodeId { get; }

    /// <summary>Queues a signal for every other node, in this node's publish order.</summary>
    void Publish(ClusterSignal signal);

    /// <summary>Signals from other nodes (never this node's own), plus <see cref="ListenerResumed"/> after a gap.</summary>
    ChannelReader<ClusterSignal> Incoming { get; }
}

/// <summary>The bus of a server that is the whole cluster.</summary>
public sealed class SingleNodeBus : IClusterBus
{
    private readonly Channel<ClusterSignal> _never = Channel.CreateUnbounded<ClusterSignal>();

    public string NodeId => "single";

    public void Publish(ClusterSignal signal)
    {
    }

    public ChannelReader<ClusterSignal> Incoming => _never.Reader;
}
