using Microsoft.AspNetCore.Http;

namespace ChatGrpc.Wire.Server;

/// <summary>What a handler knows about its call and how it shapes the response beyond messages.</summary>
public sealed class ServerCallContext
{
    private readonly ServerCall _call;

    internal ServerCallContext(ServerCall call, string method)
    {
        _call = call;
        Method = method;
    }

    /// <summary>The HTTP path of the call, <c>/package.Service/Method</c>.</summary>
    public string Method { get; }

    public string Host => _call.HttpContext.Request.Host.Value ?? "";

    /// <summary>The client's address, as <c>ipv4:1.2.3.4:5678</c> or <c>ipv6:[::1]:5678</c>.</summary>
    public string Peer => _call.Peer;

    /// <summary>When the call times out (from <c>grpc-timeout</c>); <see cref="DateTime.MaxValue"/> if none was sent.</summary>
    public DateTime Deadline => _call.Deadline;

    public Metadata RequestHeaders => _call.RequestHeaders;

    /// <summary>Cancelled when the client cancels, the deadline passes or the server shuts down.</summary>
    public CancellationToken CancellationToken => _call.CancellationToken;

    /// <summary>Trailers sent with the final status.</summary>
    public Metadata ResponseTrailers => _call.ResponseTrailers;

    /// <summary>The status sent when the handler returns normally. Throw <see cref="RpcException"/> to fail instead.</summary>
    public Status Status { get; set; } = Status.DefaultSuccess;

    /// <summary>Whether the most recently read request message arrived compressed.</summary>
    public bool RequestMessageCompressed => _call.LastRequestCompressed;

    /// <summary>The encoding the client declared for its messages (<c>grpc-encoding</c>), or null for identity.</summary>
    public string? RequestEncoding => _call.RequestEncoding;

    /// <summary>Compress this call's responses ("gzip"), if the client accepts it. Must be set before the first write.</summary>
    public string? ResponseCompression
    {
        get => _call.ResponseCompression;
        set => _call.ResponseCompression = value;
    }

    /// <summary>Sends response headers now, before any message. Allowed once.</summary>
    public Task WriteResponseHeadersAsync(Metadata headers) => _call.WriteResponseHeadersAsync(headers);

    /// <summary>
    /// Ends the call now with an HTTP/2 reset carrying <paramref name="code"/> as far as gRPC's mapping allows
    /// (RESOURCE_EXHAUSTED, CANCELLED, UNAVAILABLE; otherwise INTERNAL), without waiting for queued responses.
    /// </summary>
    public void Reset(StatusCode code) => _call.Reset(code);

    public HttpContext GetHttpContext() => _call.HttpContext;
}
