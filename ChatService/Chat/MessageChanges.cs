using ChatGrpc.Contracts.V1;
using ChatService.Cluster;
using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// Edits and deletions of stored messages. Each is its room's next change, numbered by the store with no
/// gaps; every node lets a room's changes out in that order (reading any it missed from the store) and
/// behind the message they touch, and a resume replays the ones a client missed. A message keeps its
/// seq and id: only its text, edited_at and change move.
/// </summary>
public sealed class MessageChanges(
    IMessageStore messages, IUserStore users, ClusterRelay relay, RateLimiter rateLimiter, IChatEvents events, ChatOptions options, TimeProvider time)
{
    private const int Page = 256;

    /// <summary>Replaces the text of one of <paramref name="editor"/>'s own messages; Duplicate when nothing had to change.</summary>
    public async Task<(StoredMessage Message, bool Duplicate)> EditAsync(ChatUser editor, Room room, EditMessageRequest request)
    {
        MessageText.Require(request.Text, options);
        if (request.ClientEditId.Length > options.MaxClientMsgIdLength)
        {
            throw ChatException.InvalidArgument($"client_edit_id is at most {options.MaxClientMsgIdLength} characters.");
        }

        using (await room.TakeChangeTurnAsync().ConfigureAwait(false))
        {
            var current = await RequireMessageAsync(room, request.Seq).ConfigureAwait(false);
            if (current.SenderId != editor.Id)
            {
                throw ChatException.PermissionDenied($"Message {request.Seq} in room '{room.Id}' is {current.SenderName}'s; only its author can edit it.");
            }

            if (current.DeletedBy is not null)
            {
                throw ChatException.FailedPrecondition($"Message {request.Seq} in room '{room.Id}' was deleted; it cannot be edited.");
            }

            if ((request.ClientEditId.Length > 0 && request.ClientEditId == current.EditId) || string.Equals(current.Text, request.Text, StringComparison.Ordinal))
            {
                return (current, true);
            }

            if (options.EditWindow > TimeSpan.Zero && time.GetUtcNow() - current.SentAt > options.EditWindow)
            {
                throw ChatException.FailedPrecondition(
                    $"Message {request.Seq} in room '{room.Id}' is older than the edit window ({options.EditWindow.TotalMinutes:0} minutes); it can still be deleted.");
            }

            rateLimiter.Take(editor.Id, "edit", options.SendRate);
            var edit = MessageChange.Edit(request.Text, time.StoredNow(), request.ClientEditId.Length > 0 ? request.ClientEditId : null);
            var edited = await ChangeAsync(room, current, edit).ConfigureAwait(false);
            await PublishAsync(room, edited, EditedFrame(edited)).ConfigureAwait(false);
            events.MessageChanged(edited, editor.Name);
            return (edited, false);
        }
    }

    /// <summary>Deletes a message: its author may, and a moderator may delete anyone's. Duplicate when it already was.</summary>
    public async Task<(StoredMessage Message, bool Duplicate)> DeleteAsync(ChatUser user, Room room, ulong seq)
    {
        using (await room.TakeChangeTurnAsync().ConfigureAwait(false))
        {
            var current = await RequireMessageAsync(room, seq).ConfigureAwait(false);
            if (current.SenderId != user.Id && !await IsModeratorNowAsync(user).ConfigureAwait(false))
            {
                throw ChatException.PermissionDenied($"Message {seq} in room '{room.Id}' is {current.SenderName}'s; only its author or a moderator can delete it.");
            }

            if (current.DeletedBy is not null)
            {
                return (current, true);
            }

            var deleted = await ChangeAsync(room, current, MessageChange.Delete(user.Id)).ConfigureAwait(false);
            await PublishAsync(room, deleted, DeletedFrame(deleted, user.Name)).ConfigureAwait(false);
            events.MessageChanged(deleted, user.Name);
            return (deleted, false);
        }
    }

    /// <summary>
    /// Lets change <paramref name="change"/> out to this node's subscribers: <paramref name="frame"/> at once
    /// when it is the room's next, otherwise after reading from the store whatever came before it.
    /// </summary>
    public async Task DeliverAsync(Room room, ulong change, OutboundFrame? frame, ulong afterSeq)
    {
        if (frame is { } known && room.TryDeliverChange(change, known, afterSeq))
        {
            return;
        }

        using (await room.TakeChangeDeliveryTurnAsync().ConfigureAwait(false))
        {
            while (room.DeliveredChange < change)
            {
                var missed = await messages.ReadChangesAsync(room.Id, room.DeliveredChange, change, maxSeq: 0, Page).ConfigureAwait(false);
                var frames = await FramesAsync(missed).ConfigureAwait(false);
                room.DeliverChanges(frames.Select((f, i) => (missed[i].Change, f, missed[i].Seq)), missed.Count < Page ? change : missed[^1].Change);
            }
        }
    }

    /// <summary>
    /// Queues to a resuming session the changes it missed, (<paramref name="afterChange"/>, <paramref name="upToChange"/>],
    /// of the messages it already has (seq up to <paramref name="afterSeq"/>); false if the session closed meanwhile.
    /// </summary>
    public async Task<bool> ReplayAsync(Session session, Room room, ulong afterChange, ulong upToChange, ulong afterSeq)
    {
        var next = afterChange;
        while (next < upToChange)
        {
            var missed = await messages.ReadChangesAsync(room.Id, next, upToChange, afterSeq, Page).ConfigureAwait(false);
            foreach (var frame in await FramesAsync(missed).ConfigureAwait(false))
            {
                if (!await session.Outbox.EnqueueWhenSpaceAsync(frame, session.Closing).ConfigureAwait(false))
                {
                    return false;
                }
            }

            next = missed.Count < Page ? upToChange : missed[^1].Change;
        }

        return true;
    }

    /// <summary>From the store, not the token: a demotion takes effect at once, as on the admin methods.</summary>
    private async Task<bool> IsModeratorNowAsync(ChatUser user) =>
        user.Role >= Role.Moderator && (await users.FindByIdAsync(user.Id).ConfigureAwait(false))?.Role >= Role.Moderator;

    private async Task<StoredMessage> RequireMessageAsync(Room room, ulong seq) =>
        await messages.FindAsync(room.Id, seq).ConfigureAwait(false) ?? throw ChatException.NotFound($"Room '{room.Id}' has no message {seq}.");

    private async Task<StoredMessage> ChangeAsync(Room room, StoredMessage current, MessageChange change) =>
        await messages.ChangeAsync(room.Id, current.Seq, current.Change, change).ConfigureAwait(false)
        // Only another node changing the same message at the same moment gets here: this node's changes take turns.
        ?? throw new ChatException(ChatErrorCode.Aborted, $"Message {current.Seq} in room '{room.Id}' was changed at the same moment; look at it again and retry.");

    /// <summary>Here first, then the other nodes; each lets it out in the room's change order.</summary>
    private async Task PublishAsync(Room room, StoredMessage changed, OutboundFrame frame)
    {
        await DeliverAsync(room, changed.Change, frame, changed.Seq).ConfigureAwait(false);
        relay.PublishChange(room.Id, changed.Change, frame, changed.Seq);
    }

    private async Task<List<OutboundFrame>> FramesAsync(IReadOnlyList<StoredMessage> changed)
    {
        var frames = new List<OutboundFrame>(changed.Count);
        Dictionary<string, string>? names = null;
        foreach (var message in changed)
        {
            if (message.DeletedBy is not { } deleterId)
            {
                frames.Add(EditedFrame(message));
                continue;
            }

            names ??= [];
            if (!names.TryGetValue(deleterId, out var name))
            {
                names[deleterId] = name = (await users.FindByIdAsync(deleterId).ConfigureAwait(false))?.Name ?? "";
            }

            frames.Add(DeletedFrame(message, name));
        }

        return frames;
    }

    private static OutboundFrame EditedFrame(StoredMessage message) =>
        Frames.Durable(new ServerFrame { MessageEdited = new MessageEdited { Message = message.ToProto() } });

    private static OutboundFrame DeletedFrame(StoredMessage message, string deletedByName) => Frames.Durable(new ServerFrame
    {
        MessageDeleted = new MessageDeleted { Room = message.RoomId, Seq = message.Seq, Id = message.Id, DeletedBy = deletedByName, Change = message.Change },
    });
}
