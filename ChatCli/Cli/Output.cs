using ChatGrpc.Contracts.V1;
using Google.Protobuf;

namespace ChatCli.Cli;

/// <summary>How results look on stdout: short plain lines, or JSON for scripts.</summary>
internal static class Output
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static string Line(ChatMessage message) =>
        (message.ReplyTo is { } quoted ? $"  ╭ {Quoted(quoted)}{Environment.NewLine}" : "") + $"#{message.Seq} {message.SentAt.ToDateTimeOffset().ToLocalTime():HH:mm} {message.SenderName}: {(message.Deleted ? "(deleted)" : Visible.Text(message.Text))}{(message.EditedAt is null ? "" : " (edited)")}";

    /// <summary>A replied-to message in one line: "#3 alice: the text", or that it was deleted.</summary>
    public static string Quoted(Quote quoted) => $"#{quoted.Seq} {quoted.SenderName}: {(quoted.Deleted ? "(deleted)" : Visible.Text(quoted.Text))}";

    public static string ToJson(IMessage message) => Json.Format(message);

    public static string JsonArray(IEnumerable<IMessage> messages) => "[" + string.Join(",", messages.Select(ToJson)) + "]";

    public static string Presence(Presence presence) => presence.Status switch
    {
        PresenceStatus.Online => "online",
        PresenceStatus.Away => "away",
        PresenceStatus.Busy => "busy",
        _ => presence.LastSeen is { } seen ? $"offline (last seen {seen.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm})" : "offline",
    } + (presence.StatusText.Length > 0 ? $" - {Visible.Text(presence.StatusText)}" : "");

    public static string Kind(RoomKind kind) => kind switch
    {
        RoomKind.Public => "public",
        RoomKind.Private => "private",
        RoomKind.Direct => "direct",
        _ => "?",
    };
}
