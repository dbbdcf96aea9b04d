using ChatGrpc.Contracts.V1;

namespace ChatService.Storage;

/// <summary>Stored entities. Separate from wire types so the schema and the contract can evolve apart.</summary>
public sealed record UserRecord(string Id, string Name, Role Role, byte[] PasswordHash, byte[] PasswordSalt, int Iterations, DateTimeOffset? LastSeen);

public sealed record RoomRecord(string Id, string Title, RoomKind Kind, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A room as one user sees it in a listing.</summary>
public sealed record RoomListing(RoomRecord Room, ulong LastSeq, ulong ReadSeq, int MemberCount, bool IsMember, int UnreadMentions = 0);

public sealed record StoredMessage(
    string RoomId,
    ulong Seq,
    string Id,
    string SenderId,
    string SenderName,
    string ClientMsgId,
    string Text,
    DateTimeOffset SentAt,
    string? DeletedBy,
    DateTimeOffset? EditedAt = null,
    ulong Change = 0,
    string? EditId = null,
    QuotedMessage? ReplyTo = null);

/// <summary>The message another one replies to, as stored when read: its text is at most a preview's length and one code point.</summary>
public sealed record QuotedMessage(ulong Seq, string SenderName, string Text, bool Deleted);

/// <summary>
/// What an edit or a deletion writes: the new text (empty for a deletion), who deleted it, when it was
/// edited and the edit's idempotency key. Null fields keep what is stored.
/// </summary>
public sealed record MessageChange(string Text, string? DeletedBy, DateTimeOffset? EditedAt, string? EditId)
{
    public static MessageChange Edit(string text, DateTimeOffset at, string? editId) => new(text, null, at, editId);

    public static MessageChange Delete(string deletedBy) => new("", deletedBy, null, null);
}

public sealed class DuplicateException(string message) : Exception(message);
