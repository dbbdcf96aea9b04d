using ChatGrpc.Contracts.V1;

namespace ChatService.Tests.Chat;

/// <summary>
/// What a client holds of one room after applying frames as the contract says: messages by seq, an edit
/// or deletion only if newer than the change the message shows, and the cursors a resume names.
/// </summary>
internal sealed class RoomModel(string room)
{
    private readonly SortedDictionary<ulong, ChatMessage> _messages = [];

    public ulong LastSeq { get; private set; }

    public ulong LastChange { get; private set; }

    /// <summary>Changes that arrived but were not newer than what the message showed (repeats around a resume).</summary>
    public int Repeats { get; private set; }

    public void Apply(Joined joined)
    {
        if (joined.Resume != ResumeResult.Complete)
        {
            _messages.Clear();
            LastSeq = 0;
            LastChange = joined.LastChange;
        }

        foreach (var message in joined.History)
        {
            Put(message);
        }
    }

    public void Apply(ServerFrame frame)
    {
        switch (frame.FrameCase)
        {
            case ServerFrame.FrameOneofCase.Message when frame.Message.Room == room:
                Put(frame.Message);
                break;
            case ServerFrame.FrameOneofCase.MessageEdited when frame.MessageEdited.Message.Room == room:
                Change(frame.MessageEdited.Message.Seq, frame.MessageEdited.Message.Change, _ => frame.MessageEdited.Message.Clone());
                break;
            case ServerFrame.FrameOneofCase.MessageDeleted when frame.MessageDeleted.Room == room:
                Change(frame.MessageDeleted.Seq, frame.MessageDeleted.Change, m =>
                {
                    var deleted = m.Clone();
                    deleted.Text = "";
                    deleted.Deleted = true;
                    deleted.EditedAt = null;
                    deleted.Change = frame.MessageDeleted.Change;
                    return deleted;
                });
                break;
        }
    }

    /// <summary>The model as "seq: text [edited] [deleted] @change" lines, to compare with history.</summary>
    public IReadOnlyList<string> Lines() => _messages.Values.Select(Line).ToList();

    public static string Line(ChatMessage m) => $"{m.Seq}: {m.Text}{(m.EditedAt is null ? "" : " [edited]")}{(m.Deleted ? " [deleted]" : "")} @{m.Change}";

    private void Put(ChatMessage message)
    {
        _messages[message.Seq] = message.Clone();
        LastSeq = Math.Max(LastSeq, message.Seq);
    }

    private void Change(ulong seq, ulong change, Func<ChatMessage, ChatMessage> apply)
    {
        LastChange = Math.Max(LastChange, change);
        if (_messages.TryGetValue(seq, out var current) && current.Change < change)
        {
            _messages[seq] = apply(current);
        }
        else
        {
            Repeats++;
        }
    }
}
