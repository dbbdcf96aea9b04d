using System.Data.Common;
using ChatGrpc.Wire;
using ChatService.Chat;
using ChatService.Observability;
using ChatService.Storage;

namespace ChatService.Cluster;

/// <summary>
/// A message's path on a cluster: the database assigns the seq and signals the other nodes in the same
/// statement; this node then delivers it to its own subscribers, in seq order with whatever other
/// nodes committed before it, before acking the sender.
/// </summary>
public sealed class ClusterMessagePipeline(ISequencingMessageStore messages, RoomFeed feed, ChatMetrics metrics, TimeProvider time) : IMessagePipeline
{
    public async Task<(StoredMessage Message, bool Duplicate)> AppendAsync(Room room, ChatUser sender, string clientMsgId, string text)
    {
        StoredMessage message;
        bool duplicate;
        try
        {
            (message, duplicate) = await messages.InsertAsync(room.Id, sender.Id, sender.Name, clientMsgId, text, time.GetUtcNow()).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            throw new ChatException(StatusCode.Unavailable, $"The message could not be stored ({ex.Message}). Retry with the same client_msg_id.");
        }

        if (!duplicate)
        {
            metrics.MessageAccepted();
        }

        if (message.RoomId == room.Id)
        {
            await feed.AdvanceAsync(room, message.Seq, message).ConfigureAwait(false);
        }

        return (message, duplicate);
    }

    public async Task CatchUpAsync(Room room) =>
        await feed.AdvanceAsync(room, await messages.LastSeqAsync(room.Id).ConfigureAwait(false)).ConfigureAwait(false);
}

/// <summary>
/// Brings a room's local subscribers up to a seq the shared store has committed, reading from the
/// table whatever this node has not delivered yet. Only seqs travel between nodes, so a missed or late
/// signal costs a read, never a lost or reordered message.
/// </summary>
public sealed class RoomFeed(IMessageStore messages, ILogger<RoomFeed> logger)
{
    private const int Page = 256;

    public async Task AdvanceAsync(Room room, ulong target, StoredMessage? known = null)
    {
        if (room.DeliveredSeq >= target)
        {
            return;
        }

        await room.DeliveryLock.WaitAsync().ConfigureAwait(false);
        try
        {
            while (room.DeliveredSeq < target)
            {
                if (known is not null && known.Seq == room.DeliveredSeq + 1)
                {
                    room.DeliverMessage(known);
                    continue;
                }

                lock (room.FanoutLock)
                {
                    // Nobody here to deliver to: joiners replay from the store up to this mark.
                    if (room.Subscribers.Length == 0)
                    {
                        room.DeliveredSeq = target;
                        return;
                    }
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
        finally
        {
            room.DeliveryLock.Release();
        }
    }
}
