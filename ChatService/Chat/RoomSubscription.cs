namespace ChatService.Chat;

/// <summary>One session's membership in a room's fan-out. While joining it buffers live frames until replay is done.</summary>
public sealed class RoomSubscription(Session session, Room room, int bufferLimit)
{
    private List<OutboundFrame>? _pending = [];

    public Session Session { get; } = session;

    public Room Room { get; } = room;

    /// <summary>Called by the room under its fan-out lock.</summary>
    internal void Deliver(OutboundFrame frame)
    {
        if (_pending is null)
        {
            Session.Send(frame);
            return;
        }

        if (frame.Durable)
        {
            _pending.Add(frame);
            if (_pending.Count > bufferLimit)
            {
                Session.Close(new CloseReason(ChatErrorCode.ResourceExhausted,
                    "The room moved faster than its history could be replayed. Reconnect and resume from your last seq."));
            }
        }
    }

    /// <summary>
    /// Ends the replay phase if at most <paramref name="maxAtOnce"/> live frames are buffered: they go out
    /// after the replayed ones and null is returned. Otherwise hands back the buffered frames, to be
    /// queued at the reader's pace, and keeps buffering. Called by the room under its fan-out lock.
    /// </summary>
    internal List<OutboundFrame>? GoLiveOrTakeBuffered(int maxAtOnce)
    {
        var pending = _pending;
        if (pending is null)
        {
            return null;
        }

        if (pending.Count > maxAtOnce)
        {
            _pending = [];
            return pending;
        }

        _pending = null;
        foreach (var frame in pending)
        {
            Session.Send(frame);
        }

        return null;
    }
}
