using System.Text.RegularExpressions;
using ChatGrpc.Contracts.V1;
using ChatService.Cluster;
using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// @name in a message's text: names of the room's members (any case) are mentions. Each mentioned
/// user is told on every stream they have, on any node, and the mention counts toward their room's
/// unread_mentions until their read marker passes it. The sender mentioning themselves is no mention.
/// </summary>
public sealed partial class Mentions(IRoomStore rooms, ClusterRelay relay, ILogger<Mentions> logger)
{
    /// <summary>A message names at most this many users; more @words are plain text.</summary>
    public const int MaxPerMessage = 20;

    /// <summary>The room's members the text mentions, before the message is stored; none without an '@'.</summary>
    public async Task<IReadOnlyList<UserRecord>> ResolveAsync(Room room, ChatUser sender, string text)
    {
        var names = Parse(text);
        if (names.Count == 0)
        {
            return [];
        }

        var members = await rooms.FindMembersByNameAsync(room.Id, names).ConfigureAwait(false);
        return members.Where(m => m.Id != sender.Id).ToList();
    }

    /// <summary>Records the mentions of a stored message and tells each mentioned user.</summary>
    public async Task NotifyAsync(StoredMessage message, IReadOnlyList<UserRecord> mentioned)
    {
        if (mentioned.Count == 0)
        {
            return;
        }

        try
        {
            await rooms.AddMentionsAsync(message.RoomId, message.Seq, mentioned.Select(u => u.Id).ToList()).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            // The message is stored and acked either way; only the unread-mention count misses it.
            logger.LogError(ex, "Recording the mentions of message {Seq} in room {Room} failed", message.Seq, message.RoomId);
        }

        var frame = Frames.Durable(new ServerFrame { Mention = new Mention { Message = message.ToProto() } });
        foreach (var user in mentioned)
        {
            relay.ToUser(user.Id, frame);
        }
    }

    /// <summary>
    /// The names after '@' (not inside a word or an address: "bob@example.com" mentions nobody). A name
    /// ending in '.', '-' or '_' also counts without them, so "thanks @bob." mentions bob.
    /// </summary>
    public static IReadOnlyCollection<string> Parse(string text)
    {
        if (!text.Contains('@'))
        {
            return [];
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match match in MentionPattern().Matches(text))
        {
            var name = match.Groups[1].Value;
            names.Add(name);
            var trimmed = name.TrimEnd('.', '-', '_');
            if (trimmed.Length >= 3)
            {
                names.Add(trimmed);
            }

            if (names.Count >= MaxPerMessage)
            {
                break;
            }
        }

        return names;
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})")]
    private static partial Regex MentionPattern();
}
