using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatGrpc.Client;

/// <summary>
/// Keeps the cursors in a small JSON file, replaced whole on each save (written beside it, then
/// renamed over it), so a crash mid-save leaves the previous snapshot and never half of one.
/// </summary>
public sealed class FileCursorStore(string path) : ICursorStore
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public async ValueTask<CursorSnapshot?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        await using var file = File.OpenRead(Path);
        var json = await JsonNode.ParseAsync(file, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (json is not JsonObject root || root["rooms"] is not JsonObject rooms)
        {
            throw new InvalidDataException($"{Path} is not a cursor file (expected {{\"epoch\": ..., \"rooms\": {{...}}}}).");
        }

        var seqs = rooms.ToDictionary(r => r.Key, r => r.Value?.GetValue<ulong>() ?? 0);
        // Files written before edits existed have no "changes": those rooms resume their changes from 0.
        var changes = (root["changes"] as JsonObject)?.ToDictionary(r => r.Key, r => r.Value?.GetValue<ulong>() ?? 0);
        return new CursorSnapshot(root["epoch"]?.GetValue<string>(), seqs, changes);
    }

    public async ValueTask SaveAsync(CursorSnapshot snapshot, CancellationToken cancellationToken)
    {
        var rooms = new JsonObject();
        foreach (var (room, seq) in snapshot.Rooms)
        {
            rooms[room] = seq;
        }

        var changes = new JsonObject();
        foreach (var (room, change) in snapshot.Changes ?? new Dictionary<string, ulong>())
        {
            changes[room] = change;
        }

        var root = new JsonObject { ["epoch"] = snapshot.StoreEpoch, ["rooms"] = rooms, ["changes"] = changes };
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp";
        await using (var file = File.Create(temporary))
        {
            await using var writer = new Utf8JsonWriter(file);
            root.WriteTo(writer);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
