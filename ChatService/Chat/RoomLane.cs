using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// A room's ordered hand-off from the commit loop to its subscribers. The store's writer only queues
/// each committed message here and goes on to the next commit; the lane fans it out on a pool thread,
/// one room's items strictly in order, rooms in parallel, and completes the sender's ack after the
/// fan-out (so a sender still sees its own message before the ack, as before). A room of 1,000 then
/// holds back only its own acks, not those of every room committed in the same batch. Durable room
/// frames queue behind messages still in the lane, so a deletion can never overtake the message it deletes.
/// </summary>
internal sealed class RoomLane(Room room) : IThreadPoolWorkItem
{
    private readonly object _gate = new();
    private readonly Queue<Item> _items = new();
    private bool _scheduled;

    /// <summary>Queues a committed message; <paramref name="delivered"/> completes once every subscriber has it queued.</summary>
    public void Post(StoredMessage message, TaskCompletionSource delivered) => Enqueue(new Item(message, delivered, default));

    /// <summary>
    /// Queues a durable room frame behind the lane's messages. Returns false when the lane is empty:
    /// nothing can be overtaken, so the caller broadcasts it at once under the fan-out lock.
    /// </summary>
    public bool TryQueueBehind(OutboundFrame frame, string? exceptUserId, ulong afterSeq)
    {
        lock (_gate)
        {
            if (!_scheduled)
            {
                return false;
            }

            _items.Enqueue(new Item(null, null, new Room.HeldFrame(frame, exceptUserId, afterSeq)));
            return true;
        }
    }

    public void Execute()
    {
        while (true)
        {
            Item item;
            lock (_gate)
            {
                if (!_items.TryDequeue(out item))
                {
                    _scheduled = false;
                    return;
                }
            }

            if (item.Message is { } message)
            {
                room.DeliverMessage(message);
                item.Delivered!.TrySetResult();
            }
            else
            {
                room.DeliverDurable(item.Frame.Frame, item.Frame.ExceptUserId, item.Frame.AfterSeq);
            }
        }
    }

    private void Enqueue(Item item)
    {
        lock (_gate)
        {
            _items.Enqueue(item);
            if (_scheduled)
            {
                return;
            }

            _scheduled = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    private readonly record struct Item(StoredMessage? Message, TaskCompletionSource? Delivered, Room.HeldFrame Frame);
}
