using Grpc.Core;
using Grpc.Net.Client;

namespace ChatCli.Client;

/// <summary>How the CLI connects: ChatGrpc.Client's channel, kept alive across quiet periods.</summary>
internal static class ChatChannel
{
    public static GrpcChannel For(string address) => ChatGrpc.Client.ChatChannel.Create(address);

    public static CallOptions WithDeadlineAfter(this CallOptions options, TimeSpan timeout) => options.WithDeadline(DateTime.UtcNow + timeout);
}
