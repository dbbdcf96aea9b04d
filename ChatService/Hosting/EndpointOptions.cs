namespace ChatService.Hosting;

/// <summary>Where and how the server listens. Bound from the "Endpoints" section (CHAT_Endpoints__GrpcPort, --Endpoints:GrpcPort=...).</summary>
public sealed class EndpointOptions
{
    public const string Section = "Endpoints";

    /// <summary>Address the listeners bind to. Loopback by default: exposing a chat server is a deliberate act.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Native gRPC, HTTP/2 cleartext.</summary>
    public int GrpcPort { get; set; } = 5000;

    /// <summary>Browsers: gRPC-Web, the web page and /healthz over HTTP/1.1.</summary>
    public int WebPort { get; set; } = 5080;

    /// <summary>PEM certificate (and key) files. When set, one TLS port (<see cref="GrpcPort"/>) serves HTTP/2 and HTTP/1.1 by ALPN.</summary>
    public string TlsCertificatePem { get; set; } = "";

    public string TlsKeyPem { get; set; } = "";

    /// <summary>Largest message a client may send, in bytes.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How often the server pings an HTTP/2 connection that has been quiet, so a client that vanished
    /// without closing (a dropped phone, a NAT timeout) is noticed and goes offline.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A busy stream (see <see cref="WriteCoalescingMinFrames"/>) that flushed less than this long ago
    /// waits up to this long so the frames arriving meanwhile go out in one write; a quiet or slow
    /// stream writes at once. 1-100 whole milliseconds, or zero: every frame batch is flushed as soon
    /// as it is queued. At 2 ms a room of 100 at 6,000 msg/s took 0.05 writes per delivery.
    /// </summary>
    public TimeSpan WriteCoalescing { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Only a stream that has been getting at least this many frames per <see cref="WriteCoalescing"/>
    /// interval (averaged over about four) gathers; slower streams write every frame at once, since
    /// they would rarely have a second frame to share the write with. 0 gathers on every stream that
    /// flushed within the interval.
    /// </summary>
    public double WriteCoalescingMinFrames { get; set; } = 3;

    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Origins whose pages may call gRPC-Web; empty or "*" for any. Empty by default because the
    /// configuration binder appends configured entries to a non-empty default instead of replacing it.
    /// </summary>
    public string[] CorsOrigins { get; set; } = [];
}
