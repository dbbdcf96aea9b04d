using System.Net;
using Grpc.Core;
using Grpc.Net.Client;

namespace ChatCli.Client;

/// <summary>How the CLI connects: one Grpc.Net.Client channel per server, kept alive across quiet periods.</summary>
internal static class ChatChannel
{
    /// <summary>
    /// Keepalive pings notice a server (or NAT) that vanished while the chat was quiet, so the live
    /// session reconnects instead of waiting forever; extra HTTP/2 connections keep a busy client from
    /// queueing behind the server's per-connection stream limit.
    /// </summary>
    public static GrpcChannel For(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
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

    public static CallOptions WithDeadlineAfter(this CallOptions options, TimeSpan timeout) => options.WithDeadline(DateTime.UtcNow + timeout);
}
