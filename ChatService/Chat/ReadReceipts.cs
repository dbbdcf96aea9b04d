using ChatGrpc.Contracts.V1;
using ChatService.Cluster;
using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// "Seen by": how far each member of a small room has read, from the read markers the store keeps.
/// A join gets them all; a moved marker goes to the room as a read_receipt frame, at most one per
/// member and <see cref="ChatOptions.ReadReceiptInterval"/> (a reader scrolling through a backlog
/// moves its marker many times; the room hears where it ended up). Receipts are state, not a log: a
/// client that was away gets the current ones with its next Joined, so nothing needs replaying.
/// </summary>
public sealed class ReadReceipts(IRoomStore rooms, ClusterRelay relay, ChatOptions options, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Room, string User), Pending> _pending = new();

    /// <summary>Every member's position, for a room small enough; none otherwise.</summary>
    public async Task<IReadOnlyList<ReadReceipt>> ListAsync(string roomId, int memberCount)
    {
        if (memberCount > options.ReadReceiptsMaxMembers)
        {
            return [];
        }

        var markers = await rooms.ListReadMarkersAsync(roomId).ConfigureAwait(false);
        return markers.Select(m => new ReadReceipt { Room = roomId, UserId = m.UserId, UserName = m.UserName, Seq = m.ReadSeq }).ToList();
    }

    /// <summary>The user's marker in the room moved to <paramref name="seq"/>: tell the room, coalesced.</summary>
    public async Task MovedAsync(string roomId, ChatUser user, ulong seq)
    {
        if (options.ReadReceiptsMaxMembers <= 0 || await rooms.CountMembersAsync(roomId).ConfigureAwait(false) > options.ReadReceiptsMaxMembers)
        {
            return;
        }

        var key = (roomId, user.Id);
        lock (_gate)
        {
            if (_pending.TryGetValue(key, out var waiting))
            {
                // One is already due to go out: it will carry this newer position.
                waiting.Seq = Math.Max(waiting.Seq, seq);
                return;
            }

            var pending = new Pending(user.Name, seq);
            _pending[key] = pending;
            pending.Timer = time.CreateTimer(_ => Flush(key), null, options.ReadReceiptInterval, Timeout.InfiniteTimeSpan);
        }

        // The first move of an interval goes out at once; later ones in it wait for the timer.
        Send(roomId, user.Id, user.Name, seq);
    }

    private void Flush((string Room, string User) key)
    {
        Pending? pending;
        lock (_gate)
        {
            if (!_pending.Remove(key, out pending))
            {
                return;
            }

            pending.Timer?.Dispose();
        }

        if (pending.Seq > pending.Sent)
        {
            Send(key.Room, key.User, pending.UserName, pending.Seq);
        }
    }

    private void Send(string roomId, string userId, string userName, ulong seq) =>
        relay.ToRoom(roomId, Frames.Ephemeral(new ServerFrame { ReadReceipt = new ReadReceipt { Room = roomId, UserId = userId, UserName = userName, Seq = seq } }));

    private sealed class Pending(string userName, ulong seq)
    {
        public string UserName { get; } = userName;

        /// <summary>The position sent when the interval began.</summary>
        public ulong Sent { get; } = seq;

        public ulong Seq { get; set; } = seq;

        public ITimer? Timer { get; set; }
    }
}
