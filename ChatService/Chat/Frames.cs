using ChatGrpc.Contracts.V1;
using ChatService.Storage;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ChatService.Chat;

/// <summary>Builds server frames from domain records, serialized once so a broadcast writes the same bytes to everyone.</summary>
public static class Frames
{
    public static OutboundFrame Durable(ServerFrame frame) => new(frame.ToByteArray(), Durable: true);

    public static OutboundFrame Ephemeral(ServerFrame frame) => new(frame.ToByteArray(), Durable: false);

    public static OutboundFrame Message(StoredMessage message) => Durable(new ServerFrame { Message = message.ToProto() });

    public static OutboundFrame Reply(string requestId, ServerFrame frame)
    {
        frame.RequestId = requestId;
        return Durable(frame);
    }

    public static ChatMessage ToProto(this StoredMessage message) => new()
    {
        Room = message.RoomId,
        Seq = message.Seq,
        Id = message.Id,
        SenderId = message.SenderId,
        SenderName = message.SenderName,
        Text = message.DeletedBy is null ? message.Text : "",
        SentAt = Timestamp.FromDateTimeOffset(message.SentAt),
        ClientMsgId = message.ClientMsgId,
        Deleted = message.DeletedBy is not null,
        // A deleted message has no text to have edited; its deletion frame carries no edit time either.
        EditedAt = message.EditedAt is { } editedAt && message.DeletedBy is null ? Timestamp.FromDateTimeOffset(editedAt) : null,
        Change = message.Change,
        ReplyTo = message.ReplyTo is { } quoted ? quoted.ToProto() : null,
    };

    /// <summary>Code points of a replied-to message's text a quote shows.</summary>
    public const int QuoteLength = 100;

    public static Quote ToProto(this QuotedMessage quoted) => new()
    {
        Seq = quoted.Seq,
        SenderName = quoted.SenderName,
        Text = quoted.Deleted ? "" : SafeText.Preview(quoted.Text, QuoteLength),
        Deleted = quoted.Deleted,
    };

    public static SendAck ToAck(this StoredMessage message, bool duplicate) => new()
    {
        ClientMsgId = message.ClientMsgId,
        Room = message.RoomId,
        Seq = message.Seq,
        Id = message.Id,
        SentAt = Timestamp.FromDateTimeOffset(message.SentAt),
        Duplicate = duplicate,
    };

    public static RoomSummary ToProto(this RoomListing listing) => new()
    {
        Id = listing.Room.Id,
        Title = listing.Room.Title,
        Kind = listing.Room.Kind,
        LastSeq = listing.LastSeq,
        ReadSeq = listing.ReadSeq,
        MemberCount = listing.MemberCount,
        IsMember = listing.IsMember,
        UnreadMentions = listing.UnreadMentions,
    };

    public static User ToProto(this ChatUser user) => new() { Id = user.Id, Name = user.Name, Role = user.Role };

    public static User ToProto(this UserRecord user) => new() { Id = user.Id, Name = user.Name, Role = user.Role };
}
