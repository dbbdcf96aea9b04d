namespace ChatService.Webhooks;

/// <summary>Webhooks: the endpoints the server POSTs chat events to, and how it retries them.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    public List<WebhookEndpoint> Endpoints { get; set; } = [];

    /// <summary>How long one POST may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first retry waits this long; each next one twice as long, up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryInitial { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An event its endpoint has refused or not answered for this long is dropped (and logged).</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How often an idle endpoint's queue is looked at for events recorded by other nodes or due for a retry.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events waiting in memory to be written to the outbox table; more are dropped (and counted) rather than slowing chat.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    public void Validate()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in Endpoints)
        {
            endpoint.Validate();
            if (!names.Add(endpoint.Key))
            {
                throw new InvalidOperationException($"Webhooks: two endpoints are named '{endpoint.Key}'; give each a distinct Name.");
            }
        }
    }
}

/// <summary>One receiver of webhook events.</summary>
public sealed class WebhookEndpoint
{
    /// <summary>Names the endpoint in the outbox and in logs; defaults to the URL. Renaming it drops what is queued for it.</summary>
    public string? Name { get; set; }

    public string Url { get; set; } = "";

    /// <summary>Signs every request (HMAC-SHA256); at least 16 characters.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Event types to send (see <see cref="WebhookEventTypes"/>); none listed: all of them.</summary>
    public List<string> Events { get; set; } = [];

    public string Key => string.IsNullOrEmpty(Name) ? Url : Name;

    public bool Wants(string type) => Events.Count == 0 || Events.Contains(type, StringComparer.Ordinal);

    public void Validate()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"Webhooks: '{Url}' is not an absolute http or https URL.");
        }

        if (Secret.Length < 16)
        {
            throw new InvalidOperationException($"Webhooks: the endpoint {Key} needs a Secret of at least 16 characters to sign its requests.");
        }

        foreach (var type in Events.Where(t => !WebhookEventTypes.All.Contains(t)))
        {
            throw new InvalidOperationException($"Webhooks: unknown event type '{type}' for {Key}; known: {string.Join(", ", WebhookEventTypes.All)}.");
        }
    }
}

/// <summary>The event types a webhook can carry, as they appear in the body's "type".</summary>
public static class WebhookEventTypes
{
    public const string MessageStored = "message.stored";
    public const string MessageEdited = "message.edited";
    public const string MessageDeleted = "message.deleted";
    public const string RoomCreated = "room.created";
    public const string MemberJoined = "member.joined";
    public const string UserOffline = "user.offline";

    public static readonly IReadOnlyList<string> All = [MessageStored, MessageEdited, MessageDeleted, RoomCreated, MemberJoined, UserOffline];
}
