using System.Net;
using Grpc.Net.Client;

namespace ChatGrpc.Client;

/// <summary>A Grpc.Net.Client channel set up for one long-lived chat stream per app.</summary>
public static class ChatChannel
{
    /// <summary>
    /// Keepalive pings notice a server (or a NAT) that vanished while the chat was quiet, so the
    /// client reconnects instead of waiting forever; extra HTTP/2 connections keep a busy app from
    /// queueing behind the server's per-connection stream limit.
    /// </summary>
    public static GrpcChannel Create(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
        },
        DisposeHttpClient = true,
    });
}
