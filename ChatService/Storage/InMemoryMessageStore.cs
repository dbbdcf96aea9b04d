namespace ChatService.Storage;

/// <summary>
/// The message log without a disk (<c>Storage:PersistMessages=false</c>): for benchmarks that measure
/// what persistence costs, and for throwaway servers. Keeps the newest messages of each room in memory;
/// a restart starts a new epoch, so clients reset instead of resuming into a gap.
/// </summary>
public sealed class InMemoryMessageStore(StorageOptions options) : IGroupCommitLog
{
    private readonly object _gate = new();
    private readonly Dictionary<string, RoomLog> _rooms = new();
    private readonly Dictionary<(string Sender, string ClientMsgId), StoredMessage> _byClientMsgId = new();
    private readonly int _keepPerRoom = Math.Max(1, options.InMemoryMessagesPerRoom);
    private long _count;

    public string Epoch { get; } = Guid.NewGuid().ToString("N");

    public int Generation => 0;

    public Task<ulong> LastSeqAsync(string roomId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_rooms.TryGetValue(roomId, out var log) ? log.LastSeq : 0UL);
        }
    }

    /// <summary>"Commits" at once; the caller has the room's send turn, so callbacks run in seq order.</summary>
    public Task AppendAsync(StoredMessage message, int generation, Action<StoredMessage> onCommitted)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(message.RoomId, out var log))
            {
                _rooms[message.RoomId] = log = new RoomLog();
            }

            log.Messages.Add(message);
            log.LastSeq = message.Seq;
            _byClientMsgId[(message.SenderId, message.ClientMsgId)] = message;
            _count++;
            if (log.Messages.Count > _keepPerRoom * 2)
            {
                // Trimmed in halves so a busy room pays for the copy once per _keepPerRoom sends, not per send.
                var dropped = log.Messages.Count - _keepPerRoom;
                foreach (var old in log.Messages.Take(dropped))
                {
                    _byClientMsgId.Remove((old.SenderId, old.ClientMsgId));
                }

                log.Messages.RemoveRange(0, dropped);
            }
        }

        onCommitted(message);
        return Task.CompletedTask;
    }

    public Task<StoredMessage?> FindByClientMsgIdAsync(string senderId, string clientMsgId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_byClientMsgId.GetValueOrDefault((senderId, clientMsgId)));
        }
    }

    public Task<IReadOnlyList<StoredMessage>> ReadAsync(string roomId, ulong afterSeq, ulong beforeSeq, int limit, bool newest, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomId, out var log))
            {
                return Task.FromResult<IReadOnlyList<StoredMessage>>([]);
            }

            var range = log.Messages.Where(m => m.Seq > afterSeq && (beforeSeq == 0 || m.Seq < beforeSeq));
            var page = newest ? range.TakeLast(limit) : range.Take(limit);
            return Task.FromResult<IReadOnlyList<StoredMessage>>(page.Select(log.WithQuoteAsNow).ToList());
        }
    }

    public Task<StoredMessage?> ChangeAsync(string roomId, ulong seq, ulong expectedChange, MessageChange change, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var index = _rooms.TryGetValue(roomId, out var log) ? log.Messages.FindIndex(m => m.Seq == seq) : -1;
            if (index < 0 || log!.Messages[index].Change != expectedChange)
            {
                return Task.FromResult<StoredMessage?>(null);
            }

            var current = log.Messages[index];
            var changed = current with
            {
                Text = change.Text,
                DeletedBy = change.DeletedBy ?? current.DeletedBy,
                EditedAt = change.EditedAt ?? current.EditedAt,
                EditId = change.EditId ?? current.EditId,
                Change = ++log.LastChange,
            };
            log.Messages[index] = changed;
            return Task.FromResult<StoredMessage?>(changed);
        }
    }

    public Task<IReadOnlyList<StoredMessage>> ReadChangesAsync(string roomId, ulong afterChange, ulong upToChange, ulong maxSeq, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<StoredMessage> changed = _rooms.TryGetValue(roomId, out var log)
                ? log.Messages
                    .Where(m => m.Change > afterChange && m.Change <= upToChange && (maxSeq == 0 || m.Seq <= maxSeq))
                    .OrderBy(m => m.Change)
                    .Take(limit)
                    .ToList()
                : [];
            return Task.FromResult(changed);
        }
    }

    public Task<ulong> LastChangeAsync(string roomId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_rooms.TryGetValue(roomId, out var log) ? log.LastChange : 0UL);
        }
    }

    public Task<long> CountAsync(CancellationToken cancellationToken = default) => Task.FromResult(Interlocked.Read(ref _count));

    public Task FlushAsync() => Task.CompletedTask;

    private sealed class RoomLog
    {
        public List<StoredMessage> Messages { get; } = [];

        public ulong LastSeq { get; set; }

        public ulong LastChange { get; set; }

        /// <summary>The message with its quote showing the replied-to message as it is now (edited, deleted), as the SQL stores read it.</summary>
        public StoredMessage WithQuoteAsNow(StoredMessage message)
        {
            if (message.ReplyTo is not { } quoted || Messages.Count == 0 || quoted.Seq < Messages[0].Seq)
            {
                return message;
            }

            var now = Messages[(int)(quoted.Seq - Messages[0].Seq)];
            return message with { ReplyTo = quoted with { Text = now.Text, Deleted = now.DeletedBy is not null } };
        }
    }
}
