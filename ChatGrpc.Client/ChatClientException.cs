using Grpc.Core;

namespace ChatGrpc.Client;

/// <summary>The server refused an operation for good (retrying would be refused again).</summary>
public sealed class ChatClientException(StatusCode code, string message) : Exception(message)
{
    /// <summary>The gRPC status the server answered with (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED...).</summary>
    public StatusCode Code { get; } = code;
}
