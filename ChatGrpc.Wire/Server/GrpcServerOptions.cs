namespace ChatGrpc.Wire.Server;

/// <summary>Server limits and protocol choices. Defaults match other gRPC servers.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest message accepted from a client, after decompression. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = Protocol.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest message the server will send. Default unlimited.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>Compress responses with this algorithm ("gzip") when the client accepts it; null sends identity.</summary>
    public string? ResponseCompression { get; set; }

    /// <summary>Serve gRPC-Web (binary and text) alongside native gRPC.</summary>
    public bool EnableGrpcWeb { get; set; } = true;

    /// <summary>Origins allowed to call gRPC-Web from a browser. "*" allows any origin.</summary>
    public IList<string> CorsAllowedOrigins { get; } = new List<string> { "*" };

    public TimeSpan CorsMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Include exception messages in UNKNOWN statuses. Off by default: they can leak internals.</summary>
    public bool EnableDetailedErrors { get; set; }
}
