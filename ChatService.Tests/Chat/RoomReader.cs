using ChatGrpc.Contracts.V1;
using ChatService.Chat;
using ChatService.Observability;

namespace ChatService.Tests.Chat;

/// <summary>A session subscribed straight to a room and read by draining its outbox: domain tests without a stream.</summary>
internal static class RoomReader
{
    public static Session Subscribe(Room room, ChatMetrics metrics, int capacity = 64, ChatUser? user = null)
    {
        var session = new Session(Guid.NewGuid().ToString("N"), user ?? new ChatUser("u-reader", "reader", Role.Member), DateTimeOffset.MaxValue, capacity, metrics);
        var subscription = new RoomSubscription(session, room, capacity);
        room.Subscribe(subscription);
        Assert.IsNull(room.GoLiveOrTakeBuffered(subscription, capacity), "nothing was buffered before the subscription went live");

        return session;
    }

    /// <summary>Everything queued for the session so far, parsed, oldest first.</summary>
    public static List<ServerFrame> Drain(Session session)
    {
        var batch = new List<OutboundFrame>();
        session.Outbox.DrainTo(batch, int.MaxValue);
        return batch.Select(frame => ServerFrame.Parser.ParseFrom(frame.Payload)).ToList();
    }
}
