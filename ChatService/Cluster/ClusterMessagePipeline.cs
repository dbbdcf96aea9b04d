using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using ChatService.Chat;
using ChatService.Observability;
using ChatService.Storage;

namespace ChatService.Cluster;

/// <summary>
/// A message's path on a cluster: the database assigns seqs and signals the other nodes in the same
/// statement; this node then delivers to its own subscribers, in seq order with whatever other nodes
/// committed before, and acks. Sends to one room from this node are combined: whoever has the room's
/// send turn commits everything queued so far in one statement, so a busy room pays one commit per
/// batch, as the single-node group commit does.
/// </summary>
public sealed class ClusterMessagePipeline(
    ISequencingMessageStore messages, RoomFeed feed, StorageOptions storage, ChatMetrics metrics, TimeProvider time) : IMessagePipeline
{
    private readonly ConcurrentDictionary<string, List<PendingSend>> _queued = new();

    public async Task<(StoredMessage Message, bool Duplicate)> AppendAsync(Room room, ChatUser sender, string clientMsgId, string text, QuotedMessage? replyTo, Action<ChatUser> admit)
    {
        try
        {
            if (await messages.FindByClientMsgIdAsync(sender.Id, clientMsgId).ConfigureAwait(false) is { } existing)
            {
                return (existing, true);
            }

            admit(sender);

            var pending = new PendingSend(new NewMessage(sender.Id, sender.Name, clientMsgId, text, time.StoredNow(), replyTo));
            var queue = _queued.GetOrAdd(room.Id, _ => []);
            lock (queue)
            {
                queue.Add(pending);
            }

            using (await room.TakeSendTurnAsync().ConfigureAwait(false))
            {
                while (!pending.Stored.Task.IsCompleted)
                {
                    await CommitQueuedAsync(room, queue).ConfigureAwait(false);
                }
            }

            return await pending.Stored.Task.ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            throw new ChatException(ChatErrorCode.Unavailable, $"The message could not be stored ({ex.Message}). Retry with the same client_msg_id.");
        }
    }

    public async Task CatchUpAsync(Room room) =>
        await feed.AdvanceAsync(room, await messages.LastSeqAsync(room.Id).ConfigureAwait(false)).ConfigureAwait(false);

    private async Task CommitQueuedAsync(Room room, List<PendingSend> queue)
    {
        List<PendingSend> batch;
        lock (queue)
        {
            batch = queue.Take(Math.Max(1, storage.MaxCommitBatch)).ToList();
            queue.RemoveRange(0, batch.Count);
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            var stored = await messages.InsertManyAsync(room.Id, batch.Select(p => p.Message).ToList()).ConfigureAwait(false);
            metrics.RecordCommit(Stopwatch.GetElapsedTime(started), batch.Count);
            if (stored is null)
            {
                // Some key in the batch is already stored (a retry raced its original): one at a time sorts out which.
                foreach (var pending in batch)
                {
                    var (message, duplicate) = await messages.InsertAsync(room.Id, pending.Message).ConfigureAwait(false);
                    await Accept(room, [message], duplicate ? [] : [pending]).ConfigureAwait(false);
                    pending.Stored.TrySetResult((message, duplicate));
                }

                return;
            }

            await Accept(room, stored, batch).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Stored.TrySetResult((stored[i], false));
            }
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
            {
                pending.Stored.TrySetException(ex);
            }
        }
    }

    private async Task Accept(Room room, IReadOnlyList<StoredMessage> stored, IReadOnlyCollection<PendingSend> newlyStored)
    {
        foreach (var _ in newlyStored)
        {
            metrics.MessageAccepted();
        }

        if (stored[0].RoomId == room.Id)
        {
            await feed.AdvanceAsync(room, stored[^1].Seq, stored).ConfigureAwait(false);
        }
    }

    private sealed class PendingSend(NewMessage message)
    {
        public NewMessage Message { get; } = message;

        public TaskCompletionSource<(StoredMessage Message, bool Duplicate)> Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
