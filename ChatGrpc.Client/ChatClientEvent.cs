using ChatGrpc.Contracts.V1;

namespace ChatGrpc.Client;

/// <summary>Where the client's Connect stream is.</summary>
public enum ConnectionState
{
    /// <summary>Opening the first stream.</summary>
    Connecting,

    /// <summary>Welcomed by the server; rooms are joined and unacknowledged sends re-sent.</summary>
    Connected,

    /// <summary>The stream ended; waiting for <see cref="ConnectionChanged.RetryIn"/>, then opening another.</summary>
    Reconnecting,

    /// <summary>Given up for good: the credentials were refused or the client was disposed.</summary>
    Failed,
}

/// <summary>What <see cref="ChatClient.ReadEventsAsync"/> yields, in the order it happened.</summary>
public abstract record ChatClientEvent;

/// <summary>
/// The connection changed. <see cref="Resumed"/> is true on a reconnect (every room is being resumed
/// after its last seq); <see cref="RetryIn"/> is set while waiting to reconnect.
/// </summary>
public sealed record ConnectionChanged(ConnectionState State, bool Resumed = false, TimeSpan? RetryIn = null, string? Reason = null) : ChatClientEvent;

/// <summary>
/// A frame from the server. Messages come once each and in seq order per room, across reconnects:
/// one already seen is dropped before it gets here.
/// </summary>
public sealed record FrameReceived(ServerFrame Frame) : ChatClientEvent;
