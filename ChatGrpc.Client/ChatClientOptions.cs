namespace ChatGrpc.Client;

/// <summary>How a <see cref="ChatClient"/> keeps its cursors, waits between reconnects and refreshes its token.</summary>
public sealed class ChatClientOptions
{
    /// <summary>Where rooms and last seen seqs are kept; in memory unless set (see <see cref="FileCursorStore"/>).</summary>
    public ICursorStore? CursorStore { get; set; }

    /// <summary>The clock for backoff and token refresh; tests move it by hand.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The first wait before reconnecting; it doubles on each failed try, with ±50% jitter.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest wait between two tries.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long before the access token expires the stream is handed a fresh one.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Events waiting for <see cref="ChatClient.ReadEventsAsync"/>. When that many are unread the
    /// client stops reading the stream; the server cuts a stream that falls far behind, and the client
    /// then reconnects and resumes, so nothing is lost, but an app should keep reading.
    /// </summary>
    public int EventCapacity { get; set; } = 10_000;

    /// <summary>
    /// False for an app that only sends (a bot, a bridge) and never calls
    /// <see cref="ChatClient.ReadEventsAsync"/>: frames still complete acks, joins and cursors, but no
    /// events are kept for a reader that will never come, so the stream never stalls on them.
    /// </summary>
    public bool DeliverEvents { get; set; } = true;
}
