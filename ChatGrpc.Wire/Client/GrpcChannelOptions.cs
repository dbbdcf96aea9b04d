using System.Net.Security;

namespace ChatGrpc.Wire.Client;

/// <summary>Client limits and connection behaviour. Defaults match other gRPC clients.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted, after decompression. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = Protocol.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message the client will send. Default unlimited.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>Ping an idle connection this often so dead peers and NATs are noticed. Null turns pings off.</summary>
    public TimeSpan? KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A ping unanswered for this long closes the connection.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Open more HTTP/2 connections when one reaches the server's concurrent-stream limit.</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>TLS settings for https addresses (certificate validation, client certificates).</summary>
    public SslClientAuthenticationOptions? SslOptions { get; set; }

    /// <summary>Use this handler instead of building one (tests, proxies). The channel will not dispose it.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }
}
