namespace ChatGrpc.Client;

/// <summary>
/// Which rooms the client is in, the last seq and the last change (edit or deletion) it has seen in
/// each, with the store epoch they belong to: all an app needs to resume exactly where it was.
/// </summary>
public sealed record CursorSnapshot(string? StoreEpoch, IReadOnlyDictionary<string, ulong> Rooms, IReadOnlyDictionary<string, ulong>? Changes = null)
{
    public static CursorSnapshot Empty { get; } = new(null, new Dictionary<string, ulong>());
}

/// <summary>
/// Where the client keeps its <see cref="CursorSnapshot"/>. The client saves after the cursors
/// change, one save at a time, newest state last; an app that restarts with the same store rejoins
/// its rooms and receives only what it missed.
/// </summary>
public interface ICursorStore
{
    /// <summary>The last saved snapshot, or null when there is none.</summary>
    ValueTask<CursorSnapshot?> LoadAsync(CancellationToken cancellationToken);

    ValueTask SaveAsync(CursorSnapshot snapshot, CancellationToken cancellationToken);
}

/// <summary>Keeps the cursors for the life of the process (the default).</summary>
public sealed class InMemoryCursorStore : ICursorStore
{
    private volatile CursorSnapshot? _snapshot;

    public ValueTask<CursorSnapshot?> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_snapshot);

    public ValueTask SaveAsync(CursorSnapshot snapshot, CancellationToken cancellationToken)
    {
        _snapshot = snapshot;
        return ValueTask.CompletedTask;
    }
}
