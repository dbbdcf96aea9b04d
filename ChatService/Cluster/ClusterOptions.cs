namespace ChatService.Cluster;

/// <summary>Bound from the "Cluster" section; used when Storage:Provider is Postgres.</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>This node's name in logs and presence leases; empty picks a random one at start.</summary>
    public string NodeId { get; set; } = "";

    /// <summary>How long a node's presence leases live without renewal: a node that dies takes its users offline within about this long.</summary>
    public TimeSpan PresenceLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a node re-reads what signals may have missed (rooms' newest seqs, presence); also the lease renewal period cap.</summary>
    public TimeSpan HealInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>This process's identity in the cluster.</summary>
public sealed record ClusterNode(string Id)
{
    public static ClusterNode From(ClusterOptions options)
    {
        if (options.NodeId.Contains('|'))
        {
            // '|' separates the fields of a signal payload.
            throw new InvalidOperationException($"Cluster:NodeId '{options.NodeId}' may not contain '|'.");
        }

        return new(options.NodeId.Length > 0 ? options.NodeId : $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}");
    }
}
