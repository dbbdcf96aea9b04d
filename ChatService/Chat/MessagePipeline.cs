using System.Collections.Concurrent;
using ChatGrpc.Contracts.V1;
using ChatService.Observability;
using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>How a send becomes a stored, numbered message that reaches the room's subscribers in seq order.</summary>
public interface IMessagePipeline
{
    /// <summary>
    /// Stores the message unless (sender, client_msg_id) is stored already, then answers that one.
    /// <paramref name="admit"/> runs with the sender once the message is known to be new, before it takes a seq; it
    /// throws to refuse it (the rate limit), so retries of stored messages never reach it.
    /// </summary>
    Task<(StoredMessage Message, bool Duplicate)> AppendAsync(Room room, ChatUser sender, string clientMsgId, string text, QuotedMessage? replyTo, Action<ChatUser> admit);

    /// <summary>Brings the room's delivered seq up to the store's, before a joiner takes it as its watermark.</summary>
    Task CatchUpAsync(Room room);
}

/// <summary>
/// One node's path of a message from send to subscribers: dedupe by (sender, client_msg_id), seq
/// assigned in the room's send turn, queued for group commit, fanned out after commit in seq order
/// by the room's lane, so the writer goes on to the next commit while rooms fan out in parallel.
/// </summary>
public sealed class MessagePipeline(IGroupCommitLog messages, ChatMetrics metrics, TimeProvider time) : IMessagePipeline
{
    private readonly ConcurrentDictionary<(string Sender, string ClientMsgId), Task<StoredMessage>> _inflight = new();

    public async Task<(StoredMessage Message, bool Duplicate)> AppendAsync(Room room, ChatUser sender, string clientMsgId, string text, QuotedMessage? replyTo, Action<ChatUser> admit)
    {
        // One in-flight send per idempotency key across all rooms: a retry racing its original waits for
        // it instead of inserting twice. Once committed, the store's unique index answers retries.
        var key = (sender.Id, clientMsgId);
        var mine = new TaskCompletionSource<StoredMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_inflight.TryAdd(key, mine.Task))
        {
            if (_inflight.TryGetValue(key, out var earlier))
            {
                return (await earlier.ConfigureAwait(false), true);
            }
        }

        try
        {
            var stored = await messages.FindByClientMsgIdAsync(sender.Id, clientMsgId).ConfigureAwait(false);
            if (stored is not null)
            {
                mine.SetResult(stored);
                return (stored, true);
            }

            admit(sender);

            StoredMessage message;
            Task committed;
            var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (var turn = await room.TakeSendTurnAsync().ConfigureAwait(false))
            {
                var generation = messages.Generation;
                var seq = await turn.NextSeqAsync(generation, messages).ConfigureAwait(false);
                message = new StoredMessage(room.Id, seq, Guid.NewGuid().ToString("N"), sender.Id, sender.Name, clientMsgId, text, time.StoredNow(), DeletedBy: null, ReplyTo: replyTo);
                committed = messages.AppendAsync(message, generation, stored => room.PostCommitted(stored, delivered));
            }

            try
            {
                await committed.ConfigureAwait(false);
            }
            catch (StoreUnavailableException ex)
            {
                throw new ChatException(ChatErrorCode.Unavailable, $"{ex.Message} Retry with the same client_msg_id.");
            }

            // The ack follows the fan-out, which the room's lane runs off the commit loop.
            await delivered.Task.ConfigureAwait(false);

            metrics.MessageAccepted();
            mine.SetResult(message);
            return (message, false);
        }
        catch (Exception ex)
        {
            mine.TrySetException(ex);
            throw;
        }
        finally
        {
            _inflight.TryRemove(KeyValuePair.Create(key, mine.Task));
        }
    }

    /// <summary>Nothing to catch up: every message of this node's rooms is delivered by the writer that committed it.</summary>
    public Task CatchUpAsync(Room room) => Task.CompletedTask;
}
