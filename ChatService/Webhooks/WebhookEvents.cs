using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ChatService.Chat;
using ChatService.Cluster;
using ChatService.Observability;
using ChatService.Storage;

namespace ChatService.Webhooks;

/// <summary>
/// Turns chat events into webhook deliveries: one event id per event (the receiver's dedupe key, the
/// same on every retry and for every endpoint), one delivery per endpoint that wants its type. The
/// chat path only queues; <see cref="WebhookDispatcher"/> writes the queue to the outbox table.
/// </summary>
public sealed class WebhookEvents(
    WebhookOptions options, ClusterNode node, IRoomStore rooms, ChatMetrics metrics, TimeProvider time, ILogger<WebhookEvents> logger) : IChatEvents
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Channel<PendingEvent> _queue = Channel.CreateBounded<PendingEvent>(
        new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>The types some endpoint wants, worked out once: the check runs on the chat path for every event.</summary>
    private readonly HashSet<string> _wanted = [.. WebhookEventTypes.All.Where(type => options.Endpoints.Any(e => e.Wants(type)))];

    private long _dropped;
    private long _lastStamp;

    /// <summary>Events refused because the queue was full (the outbox table was not keeping up).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal ChannelReader<PendingEvent> Queue => _queue.Reader;

    /// <summary>No more events: what is queued is still written. Called when the server stops.</summary>
    internal void Complete() => _queue.Writer.TryComplete();

    public void MessageStored(StoredMessage message) => Enqueue(WebhookEventTypes.MessageStored, _ => ValueTask.FromResult(new JsonObject
    {
        ["room"] = message.RoomId,
        ["seq"] = message.Seq,
        ["id"] = message.Id,
        ["senderId"] = message.SenderId,
        ["senderName"] = message.SenderName,
        ["clientMsgId"] = message.ClientMsgId,
        ["text"] = message.Text,
        ["sentAt"] = message.SentAt,
    }));

    public void MessageChanged(StoredMessage message, string byName) => Enqueue(
        message.DeletedBy is null ? WebhookEventTypes.MessageEdited : WebhookEventTypes.MessageDeleted,
        _ => ValueTask.FromResult(new JsonObject
        {
            ["room"] = message.RoomId,
            ["seq"] = message.Seq,
            ["id"] = message.Id,
            ["change"] = message.Change,
            ["by"] = byName,
            ["text"] = message.DeletedBy is null ? message.Text : null,
            ["editedAt"] = message.EditedAt,
        }));

    public void RoomCreated(RoomRecord room, string createdByName, IReadOnlyCollection<string> memberIds) => Enqueue(WebhookEventTypes.RoomCreated, _ =>
        ValueTask.FromResult(new JsonObject
        {
            ["room"] = new JsonObject { ["id"] = room.Id, ["title"] = room.Title, ["kind"] = room.Kind.ToString().ToLowerInvariant() },
            ["createdBy"] = new JsonObject { ["id"] = room.CreatedBy, ["name"] = createdByName },
            ["memberIds"] = new JsonArray([.. memberIds.Distinct().Select(id => JsonValue.Create(id))]),
        }));

    public void MemberJoined(string roomId, ChatUser user) => Enqueue(WebhookEventTypes.MemberJoined, _ => ValueTask.FromResult(new JsonObject
    {
        ["room"] = roomId,
        ["user"] = new JsonObject { ["id"] = user.Id, ["name"] = user.Name },
    }));

    /// <summary>Carries what the user missed: unread messages per room (newest seq minus their read marker), read when the event is written.</summary>
    public void UserOffline(string userId, string userName, DateTimeOffset lastSeen) => Enqueue(WebhookEventTypes.UserOffline, async cancellationToken =>
    {
        var unread = new JsonArray();
        ulong total = 0;
        foreach (var listing in await rooms.ListAsync(userId, includePublic: false, cancellationToken).ConfigureAwait(false))
        {
            var count = listing.LastSeq > listing.ReadSeq ? listing.LastSeq - listing.ReadSeq : 0;
            if (count > 0)
            {
                unread.Add(new JsonObject { ["room"] = listing.Room.Id, ["unread"] = count });
                total += count;
            }
        }

        return new JsonObject
        {
            ["user"] = new JsonObject { ["id"] = userId, ["name"] = userName },
            ["lastSeen"] = lastSeen,
            ["unread"] = total,
            ["rooms"] = unread,
        };
    });

    /// <summary>The deliveries of one queued event, one per endpoint that wants it, with the body each will receive.</summary>
    internal async Task<IEnumerable<WebhookDelivery>> ToDeliveriesAsync(PendingEvent pending, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["id"] = pending.Id,
            ["type"] = pending.Type,
            ["createdAt"] = pending.At,
            ["node"] = node.Id,
            ["data"] = await pending.Data(cancellationToken).ConfigureAwait(false),
        }.ToJsonString(Json);
        return options.Endpoints.Where(e => e.Wants(pending.Type))
            .Select(e => new WebhookDelivery(pending.Id, e.Key, pending.Type, body, pending.At, 0, pending.At));
    }

    /// <summary>
    /// Now, in stored milliseconds, and later than every earlier event's: receivers get an endpoint's events
    /// in created_at order, and two events in one millisecond would otherwise be ordered by their random ids.
    /// </summary>
    private DateTimeOffset NextStamp()
    {
        var now = time.StoredNow().ToUnixTimeMilliseconds();
        while (true)
        {
            var last = Interlocked.Read(ref _lastStamp);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastStamp, next, last) == last)
            {
                return DateTimeOffset.FromUnixTimeMilliseconds(next);
            }
        }
    }

    private void Enqueue(string type, Func<CancellationToken, ValueTask<JsonObject>> data)
    {
        if (!_wanted.Contains(type))
        {
            return;
        }

        if (!_queue.Writer.TryWrite(new PendingEvent(Guid.NewGuid().ToString("N"), type, NextStamp(), data)))
        {
            // Never wait here: this is the chat path. A full queue means the outbox table is not keeping up.
            metrics.Webhook("dropped");
            if (Interlocked.Increment(ref _dropped) % 1000 == 1)
            {
                logger.LogError("Webhook queue full ({Capacity} events): a {Type} event was dropped ({Dropped} so far)", options.QueueCapacity, type, Dropped);
            }
        }
    }
}

/// <summary>An event on its way to the outbox; its data may still need reading from the store.</summary>
internal sealed record PendingEvent(string Id, string Type, DateTimeOffset At, Func<CancellationToken, ValueTask<JsonObject>> Data);
