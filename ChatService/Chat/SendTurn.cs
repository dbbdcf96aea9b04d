using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// One sender's turn at a room (from <see cref="Room.TakeSendTurnAsync"/>): seqs taken during it are
/// queued for commit before the next sender's. Dispose once, after queueing.
/// </summary>
public readonly struct SendTurn : IDisposable
{
    private readonly Room _room;

    internal SendTurn(Room room) => _room = room;

    /// <summary>
    /// The room's next seq. <paramref name="generation"/> is the store's commit generation: when it moved
    /// since this room last counted, the last seq is read back from <paramref name="store"/>.
    /// </summary>
    public ValueTask<ulong> NextSeqAsync(int generation, IMessageStore store) => _room.NextSeqAsync(generation, store);

    public void Dispose() => _room.EndSendTurn();
}
