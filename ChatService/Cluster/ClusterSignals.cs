using System.Globalization;
using System.Text.Json;

namespace ChatService.Cluster;

/// <summary>
/// What one node tells the others. Signals are hints about state that lives in the database (a room's
/// newest seq, a user's presence) or small ephemeral frames; a node that misses one heals by re-reading.
/// </summary>
public abstract record ClusterSignal;

/// <summary>Room <paramref name="RoomId"/> has committed messages up to <paramref name="Seq"/>.</summary>
public sealed record RoomAdvanced(string RoomId, ulong Seq) : ClusterSignal;

/// <summary>
/// A serialized ServerFrame for the room's local subscribers (typing, member events, deletions). A durable
/// one goes out after message <paramref name="AfterSeq"/> on every node (0 from nodes that predate it).
/// An edit or deletion carries its room <paramref name="Change"/> number and goes out in that order.
/// </summary>
public sealed record RoomFrame(string RoomId, byte[] Frame, bool Durable, string? ExceptUserId, ulong AfterSeq = 0, ulong Change = 0) : ClusterSignal;

/// <summary>A serialized ServerFrame for one user's sessions, or for every session when <paramref name="UserId"/> is null.</summary>
public sealed record UserFrame(string? UserId, byte[] Frame, string? ExceptSessionId) : ClusterSignal;

/// <summary>Ends a user's sessions: all of them (a kick), or those of one ended sign-in, which every node also refuses from then on.</summary>
public sealed record UserKicked(string UserId, string Message, string? SignIn = null) : ClusterSignal;

/// <summary>Some node changed its presence lease for the user: re-read the user's leases.</summary>
public sealed record PresenceChanged(string UserId) : ClusterSignal;

/// <summary>A room was created with these members; their sessions on every node should hear of it.</summary>
public sealed record RoomCreated(string RoomId, string AddedById, string AddedByName, string[] MemberIds) : ClusterSignal;

/// <summary>Not sent by anyone: the bus raises it after it was not listening for a while, so the node re-reads everything.</summary>
public sealed record ListenerResumed : ClusterSignal;

/// <summary>
/// Text form of signals in a NOTIFY payload: <c>kind|origin|body</c>. Message commits use a compact
/// body built in SQL by the insert itself; the rest carry JSON. Postgres caps a payload below 8000
/// bytes, so a longer one is stored in a table and the payload carries its row id.
/// </summary>
public static class SignalCodec
{
    public const string Channel = "chatgrpc_signals";
    public const int MaxInlineBytes = 7900;

    /// <summary>The SQL expression for a RoomAdvanced payload, given expressions for the node, the seq and the room.</summary>
    public static string RoomAdvancedSql(string node, string seq, string room) => $"'m|' || {node} || '|' || {seq} || '|' || {room}";

    public static string Encode(string origin, ClusterSignal signal) => signal switch
    {
        RoomAdvanced advanced => $"m|{origin}|{advanced.Seq.ToString(CultureInfo.InvariantCulture)}|{advanced.RoomId}",
        RoomFrame frame => $"r|{origin}|{JsonSerializer.Serialize(frame)}",
        UserFrame frame => $"u|{origin}|{JsonSerializer.Serialize(frame)}",
        UserKicked kicked => $"k|{origin}|{JsonSerializer.Serialize(kicked)}",
        PresenceChanged presence => $"p|{origin}|{presence.UserId}",
        RoomCreated created => $"c|{origin}|{JsonSerializer.Serialize(created)}",
        _ => throw new ArgumentException($"{signal.GetType().Name} is not sent between nodes.", nameof(signal)),
    };

    public static string Reference(string origin, long rowId) => $"@|{origin}|{rowId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Splits a payload into its kind, origin and body; null if it is not one of ours.</summary>
    public static (char Kind, string Origin, string Body)? Split(string payload)
    {
        var first = payload.IndexOf('|');
        var second = first < 0 ? -1 : payload.IndexOf('|', first + 1);
        return first == 1 && second > first ? (payload[0], payload[(first + 1)..second], payload[(second + 1)..]) : null;
    }

    public static ClusterSignal? Decode(char kind, string body)
    {
        switch (kind)
        {
            case 'm':
                var bar = body.IndexOf('|');
                return bar > 0 && ulong.TryParse(body.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
                    ? new RoomAdvanced(body[(bar + 1)..], seq)
                    : null;
            case 'r':
                return JsonSerializer.Deserialize<RoomFrame>(body);
            case 'u':
                return JsonSerializer.Deserialize<UserFrame>(body);
            case 'k':
                return JsonSerializer.Deserialize<UserKicked>(body);
            case 'p':
                return new PresenceChanged(body);
            case 'c':
                return JsonSerializer.Deserialize<RoomCreated>(body);
            default:
                return null;
        }
    }
}
