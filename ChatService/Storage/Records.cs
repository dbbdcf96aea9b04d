using ChatGrpc.Contracts.V1;

namespace ChatService.Storage;

/// <summary>Stored entities. Separate from wire types so the schema and the contract can evolve apart.</summary>
public sealed record UserRecord(string Id, string Name, Role Role, byte[] PasswordHash, byte[] PasswordSalt, int Iterations, DateTimeOffset? LastSeen);

public sealed record RoomRecord(string Id, string Title, RoomKind Kind, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A room as one user sees it in a listing.</summary>
public sealed record RoomListing(RoomRecord Room, ulong LastSeq, ulong ReadSeq, int MemberCount, bool IsMember);

public sealed record StoredMessage(
    string RoomId,
    ulong Seq,
    string Id,
    string SenderId,
    string SenderName,
    string ClientMsgId,
    string Text,
    DateTimeOffset SentAt,
    string? DeletedBy);

public sealed class DuplicateException(string message) : Exception(message);
