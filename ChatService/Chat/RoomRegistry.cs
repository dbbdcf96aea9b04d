using System.Collections.Concurrent;
using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>Rooms with live state, loaded from the store on first use and kept while the server runs.</summary>
public sealed class RoomRegistry(IRoomStore rooms, IMessageStore messages)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Room?>>> _rooms = new();

    public IEnumerable<Room> Loaded => _rooms.Values
        .Where(lazy => lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result is not null)
        .Select(lazy => lazy.Value.Result!);

    public async Task<Room?> GetAsync(string roomId)
    {
        var lazy = _rooms.GetOrAdd(roomId, id => new Lazy<Task<Room?>>(() => LoadAsync(id)));
        var room = await lazy.Value.ConfigureAwait(false);
        if (room is null)
        {
            // Not cached as missing: the room may be created a moment later.
            _rooms.TryRemove(KeyValuePair.Create(roomId, lazy));
        }

        return room;
    }

    public Room? TryGetLoaded(string roomId) =>
        _rooms.TryGetValue(roomId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result : null;

    private async Task<Room?> LoadAsync(string roomId)
    {
        var record = await rooms.FindAsync(roomId).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        // The room counts seqs from the store on its first send, not from here: a commit may fail in between.
        var last = await messages.LastSeqAsync(roomId).ConfigureAwait(false);
        var lastChange = await messages.LastChangeAsync(roomId).ConfigureAwait(false);
        return new Room(record, last, lastChange);
    }
}
