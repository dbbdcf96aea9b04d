namespace ChatService.Hosting;

/// <summary>Where the server listens. Bound from the "Endpoints" section (CHAT_Endpoints__GrpcPort, --Endpoints:GrpcPort=...).</summary>
public sealed class EndpointOptions
{
    public const string Section = "Endpoints";

    /// <summary>Address both listeners bind to. Loopback by default: exposing a chat server is a deliberate act.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Native gRPC, HTTP/2 cleartext.</summary>
    public int GrpcPort { get; set; } = 5000;

    /// <summary>Browsers: gRPC-Web, the web page and /healthz over HTTP/1.1.</summary>
    public int WebPort { get; set; } = 5080;
}
