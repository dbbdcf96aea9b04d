using ChatService.Chat;
using ChatService.Storage;

namespace ChatService.Cluster;

/// <summary>
/// Brings a room's local subscribers up to a seq the shared store has committed, reading from the
/// table whatever this node has not delivered yet. Only seqs travel between nodes, so a missed or late
/// signal costs a read, never a lost or reordered message.
/// </summary>
public sealed class RoomFeed(IMessageStore messages, ILogger<RoomFeed> logger)
{
    private const int Page = 256;

    /// <summary>Delivers up to <paramref name="target"/>; <paramref name="known"/> (consecutive seqs) need not be read back.</summary>
    public async Task AdvanceAsync(Room room, ulong target, IReadOnlyList<StoredMessage>? known = null)
    {
        if (room.DeliveredSeq >= target)
        {
            return;
        }

        using (await room.TakeDeliveryTurnAsync().ConfigureAwait(false))
        {
            while (room.DeliveredSeq < target)
            {
                var next = room.DeliveredSeq + 1;
                if (known is [var first, ..] && next >= first.Seq && next <= known[^1].Seq)
                {
                    room.DeliverMessage(known[(int)(next - first.Seq)]);
                    continue;
                }

                if (room.TrySkipTo(target))
                {
                    return;
                }

                var batch = await messages.ReadAsync(room.Id, room.DeliveredSeq, target + 1, Page, newest: false).ConfigureAwait(false);
                if (batch.Count == 0 || batch[0].Seq != room.DeliveredSeq + 1)
                {
                    logger.LogError("Room {Room} has no message {Seq} in the store although {Target} was committed.", room.Id, room.DeliveredSeq + 1, target);
                    return;
                }

                foreach (var message in batch.TakeWhile((m, i) => m.Seq == batch[0].Seq + (ulong)i))
                {
                    room.DeliverMessage(message);
                }
            }
        }
    }
}
