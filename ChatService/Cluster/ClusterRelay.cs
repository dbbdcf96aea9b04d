using ChatService.Chat;

namespace ChatService.Cluster;

/// <summary>
/// The one path for events that reach sessions on every node: the domain calls the public methods
/// (deliver here, then tell the other nodes) and <see cref="ClusterSignalHandler"/> calls the
/// <c>Deliver</c> ones for what another node published, so local and remote delivery cannot drift apart.
/// Room messages are not relayed here: they travel by seq through the message pipeline.
/// </summary>
public sealed class ClusterRelay(IClusterBus bus, RoomRegistry rooms, SessionRegistry sessions)
{
    /// <summary>
    /// A frame for everyone in the room but <paramref name="exceptUserId"/>'s sessions. A durable one
    /// goes out on every node after the messages this node has delivered and after <paramref name="afterSeq"/>.
    /// </summary>
    public void ToRoom(Room room, OutboundFrame frame, string? exceptUserId = null, ulong afterSeq = 0)
    {
        afterSeq = frame.Durable ? Math.Max(afterSeq, room.DeliveredSeq) : 0;
        DeliverToRoom(room, frame, exceptUserId, afterSeq);
        bus.Publish(new RoomFrame(room.Id, frame.Payload, frame.Durable, exceptUserId, afterSeq));
    }

    /// <summary>As <see cref="ToRoom(Room, OutboundFrame, string?, ulong)"/> for a room this node may not have loaded.</summary>
    public void ToRoom(string roomId, OutboundFrame frame, string? exceptUserId = null, ulong afterSeq = 0)
    {
        if (rooms.TryGetLoaded(roomId) is { } room)
        {
            ToRoom(room, frame, exceptUserId, afterSeq);
            return;
        }

        bus.Publish(new RoomFrame(roomId, frame.Payload, frame.Durable, exceptUserId, frame.Durable ? afterSeq : 0));
    }

    /// <summary>Tells the other nodes of room change <paramref name="change"/>; each lets it out in the room's change order.</summary>
    public void PublishChange(string roomId, ulong change, OutboundFrame frame, ulong afterSeq) =>
        bus.Publish(new RoomFrame(roomId, frame.Payload, Durable: true, ExceptUserId: null, afterSeq, change));

    /// <summary>A durable frame for a user's sessions (every session when <paramref name="userId"/> is null); returns how many were on this node.</summary>
    public int ToUser(string? userId, OutboundFrame frame, string? exceptSessionId = null)
    {
        var local = DeliverToUser(userId, frame.Payload, exceptSessionId);
        bus.Publish(new UserFrame(userId, frame.Payload, exceptSessionId));
        return local;
    }

    /// <summary>Ends every session of the user with PERMISSION_DENIED; returns how many were on this node.</summary>
    public int Kick(string userId, string message)
    {
        var local = DeliverKick(userId, message);
        bus.Publish(new UserKicked(userId, message));
        return local;
    }

    internal int DeliverToUser(string? userId, byte[] payload, string? exceptSessionId)
    {
        var frame = new OutboundFrame(payload, Durable: true);
        var count = 0;
        foreach (var session in userId is null ? sessions.All : sessions.OfUser(userId))
        {
            if (session.Id != exceptSessionId)
            {
                session.Send(frame);
                count++;
            }
        }

        return count;
    }

    /// <summary>Ends the user's sessions of one sign-in with UNAUTHENTICATED, on every node; returns how many were on this node.</summary>
    public int EndSignIn(string userId, string signIn, string message)
    {
        var local = DeliverKick(userId, message, signIn);
        bus.Publish(new UserKicked(userId, message, signIn));
        return local;
    }

    internal int DeliverKick(string userId, string message, string? signIn = null)
    {
        var count = 0;
        foreach (var session in sessions.OfUser(userId))
        {
            if (signIn is null || session.SignIn == signIn)
            {
                session.Close(new CloseReason(signIn is null ? ChatErrorCode.PermissionDenied : ChatErrorCode.Unauthenticated, message));
                count++;
            }
        }

        return count;
    }

    /// <summary>Durable frames keep their order against the room's messages; ephemeral ones need no lock.</summary>
    internal static void DeliverToRoom(Room room, OutboundFrame frame, string? exceptUserId, ulong afterSeq)
    {
        if (frame.Durable)
        {
            room.BroadcastDurable(frame, exceptUserId, afterSeq);
        }
        else
        {
            room.BroadcastEphemeral(frame, exceptUserId);
        }
    }
}
