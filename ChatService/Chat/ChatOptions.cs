namespace ChatService.Chat;

/// <summary>Limits and timings of the chat domain. Bound from the "Chat" section; every one has a sensible default.</summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    public int MaxTextLength { get; set; } = 4000;

    public int MaxClientMsgIdLength { get; set; } = 64;

    public int MaxRoomsPerConnection { get; set; } = 100;

    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>Frames queued per connection before a slow reader is cut off (typing and presence may use half, a replay half).</summary>
    public int OutboxCapacity { get; set; } = 1024;

    /// <summary>How long a user with no connections stays online, so a reconnect does not flap.</summary>
    public TimeSpan PresenceGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Typing clears by itself after this long without a refresh.</summary>
    public TimeSpan TypingExpiry { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Recent messages included when joining fresh.</summary>
    public int HistoryOnJoin { get; set; } = 50;

    public int HistoryPageMax { get; set; } = 500;

    /// <summary>Rooms of at most this many members show who read how far (read receipts); 0: none do.</summary>
    public int ReadReceiptsMaxMembers { get; set; } = 50;

    /// <summary>A member's read receipts in a room go out at most once per this interval, the newest position.</summary>
    public TimeSpan ReadReceiptInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long after sending its author may edit a message; zero: always. Deleting has no window.</summary>
    public TimeSpan EditWindow { get; set; } = TimeSpan.FromHours(24);

    public RateLimit SendRate { get; set; } = new(10, 20);

    /// <summary>The burst covers rejoining every room at once after a reconnect (see <see cref="MaxRoomsPerConnection"/>).</summary>
    public RateLimit JoinRate { get; set; } = new(5, 100);

    public RateLimit TypingRate { get; set; } = new(3, 6);

    /// <summary>
    /// A Subscribe stream (browsers, often behind HTTP/1.1 proxies) that has carried nothing for this
    /// long gets a pong frame, so idle-timeouts in between do not cut it and the page can tell it is alive.
    /// </summary>
    public TimeSpan SubscribeHeartbeat { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>A drop of at least this many sessions (to half the peak or fewer) returns the heap's free memory to the OS; 0: never.</summary>
    public int TrimMemoryAfterDrop { get; set; } = 500;

    /// <summary>How long a draining server waits for clients to leave before closing their streams.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>A token bucket: <see cref="PerSecond"/> tokens refill each second, up to <see cref="Burst"/>.</summary>
public sealed record RateLimit(double PerSecond, int Burst)
{
    public RateLimit()
        : this(10, 20)
    {
    }
}
