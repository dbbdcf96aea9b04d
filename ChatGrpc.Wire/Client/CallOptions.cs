namespace ChatGrpc.Wire.Client;

/// <summary>Per-call settings: metadata, deadline, cancellation and request compression.</summary>
public readonly record struct CallOptions(
    Metadata? Headers = null,
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default,
    string? Compression = null)
{
    public CallOptions WithDeadlineAfter(TimeSpan timeout) => this with { Deadline = DateTime.UtcNow + timeout };
}

/// <summary>Options for a single message on a request stream.</summary>
public sealed record WriteOptions(bool NoCompress = false);
