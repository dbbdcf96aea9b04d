using ChatGrpc.Contracts.V1;

namespace ChatService.Storage;

/// <summary>Accounts and refresh tokens.</summary>
public interface IUserStore
{
    Task<UserRecord?> FindByNameAsync(string name, CancellationToken cancellationToken = default);

    Task<UserRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Creates a user; throws <see cref="DuplicateException"/> if the name (any case) is taken.</summary>
    Task<UserRecord> CreateAsync(string name, byte[] passwordHash, byte[] salt, int iterations, Role role, CancellationToken cancellationToken = default);

    Task<UserRecord?> SetRoleAsync(string name, Role role, CancellationToken cancellationToken = default);

    Task<int> CountWithRoleAsync(Role role, CancellationToken cancellationToken = default);

    Task SetLastSeenAsync(string userId, DateTimeOffset lastSeen, CancellationToken cancellationToken = default);

    /// <summary>Stores a refresh token of a family (one login's chain of tokens), and forgets the user's expired ones.</summary>
    Task StoreRefreshTokenAsync(byte[] tokenHash, string userId, string family, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Trades a refresh token in: marks it used and says whose it was. A token used before has been
    /// copied: its whole family is deleted and the answer is <see cref="RefreshTokenState.Reused"/>.
    /// </summary>
    Task<RefreshTokenUse> UseRefreshTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes every refresh token of the family the token belongs to (a logout); null if the token is unknown.</summary>
    Task<RefreshTokenUse?> RevokeRefreshFamilyAsync(byte[] tokenHash, CancellationToken cancellationToken = default);
}

public enum RefreshTokenState
{
    Unknown,
    Expired,
    Valid,
    Reused,
}

/// <summary>What trading a refresh token in found: its state, and for a known token its user and family.</summary>
public sealed record RefreshTokenUse(RefreshTokenState State, string UserId = "", string Family = "");

/// <summary>Rooms, memberships and read markers.</summary>
public interface IRoomStore
{
    Task<RoomRecord?> FindAsync(string roomId, CancellationToken cancellationToken = default);

    /// <summary>Creates a room with its members; throws <see cref="DuplicateException"/> if the id is taken.</summary>
    Task<RoomRecord> CreateAsync(RoomRecord room, IReadOnlyCollection<string> memberIds, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RoomListing>> ListAsync(string userId, bool includePublic, CancellationToken cancellationToken = default);

    Task<RoomListing?> GetListingAsync(string roomId, string userId, CancellationToken cancellationToken = default);

    Task<bool> IsMemberAsync(string roomId, string userId, CancellationToken cancellationToken = default);

    /// <summary>Adds a member; returns false if they already were one.</summary>
    Task<bool> AddMemberAsync(string roomId, string userId, CancellationToken cancellationToken = default);

    Task<bool> RemoveMemberAsync(string roomId, string userId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<UserRecord>> ListMembersAsync(string roomId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> RoomsOfUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>The room's members among these user names (any case).</summary>
    Task<IReadOnlyList<UserRecord>> FindMembersByNameAsync(string roomId, IReadOnlyCollection<string> names, CancellationToken cancellationToken = default);

    /// <summary>Members who have read anything in the room, with how far: (user id, name, read seq).</summary>
    Task<IReadOnlyList<(string UserId, string UserName, ulong ReadSeq)>> ListReadMarkersAsync(string roomId, CancellationToken cancellationToken = default);

    Task<int> CountMembersAsync(string roomId, CancellationToken cancellationToken = default);

    /// <summary>Records that message <paramref name="seq"/> mentions these users, for their unread-mention counts.</summary>
    Task AddMentionsAsync(string roomId, ulong seq, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default);

    /// <summary>Moves the read marker forward (never back); returns the marker now stored.</summary>
    Task<ulong> SetReadMarkerAsync(string roomId, string userId, ulong seq, CancellationToken cancellationToken = default);

    Task<int> CountAsync(CancellationToken cancellationToken = default);
}

/// <summary>The message log as every node reads it: ranges, idempotency keys, moderation.</summary>
public interface IMessageStore
{
    /// <summary>The store's epoch: a random id fixed when the database was created.</summary>
    string Epoch { get; }

    Task<ulong> LastSeqAsync(string roomId, CancellationToken cancellationToken = default);

    Task<StoredMessage?> FindByClientMsgIdAsync(string senderId, string clientMsgId, CancellationToken cancellationToken = default);

    /// <summary>Messages with afterSeq &lt; seq &lt; beforeSeq (0 = no upper bound); the newest ones when newestFirst, returned oldest first.</summary>
    Task<IReadOnlyList<StoredMessage>> ReadAsync(string roomId, ulong afterSeq, ulong beforeSeq, int limit, bool newest, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records an edit or a deletion of message <paramref name="seq"/> as the room's next change (numbered
    /// 1, 2, 3, ... per room with no gaps), if the message still shows <paramref name="expectedChange"/>.
    /// Returns the message as stored now, or null (nothing written) if it does not exist or changed meanwhile.
    /// </summary>
    Task<StoredMessage?> ChangeAsync(string roomId, ulong seq, ulong expectedChange, MessageChange change, CancellationToken cancellationToken = default);

    /// <summary>
    /// Messages whose latest change is in (afterChange, upToChange], oldest change first, and with seq at
    /// most <paramref name="maxSeq"/> unless it is 0. A message changed twice appears once, as it is now.
    /// </summary>
    Task<IReadOnlyList<StoredMessage>> ReadChangesAsync(string roomId, ulong afterChange, ulong upToChange, ulong maxSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>The room's newest change number; 0 before any.</summary>
    Task<ulong> LastChangeAsync(string roomId, CancellationToken cancellationToken = default);

    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits until everything appended so far is committed.</summary>
    Task FlushAsync();
}

/// <summary>
/// One node's log: the caller assigns seqs in memory (in the room's send turn) and the store
/// commits appends in groups, in order.
/// </summary>
public interface IGroupCommitLog : IMessageStore
{
    /// <summary>
    /// Bumped whenever a commit fails. Seqs assigned under an older generation are refused, so a
    /// failed batch can never leave a gap: callers re-read <see cref="IMessageStore.LastSeqAsync"/> when it changes.
    /// </summary>
    int Generation { get; }

    /// <summary>
    /// Queues a message (its seq already assigned under <paramref name="generation"/>) for the next group
    /// commit. <paramref name="onCommitted"/> runs after the commit, in append order, before the task completes;
    /// it runs on the commit loop, so it only hands the message on (the room's lane fans it out).
    /// </summary>
    Task AppendAsync(StoredMessage message, int generation, Action<StoredMessage> onCommitted);
}

/// <summary>
/// A log shared by many nodes: the database assigns each room's next seq inside the insert, so
/// concurrent writers anywhere stay gapless, and a unique (sender, client_msg_id) makes sends idempotent.
/// </summary>
public interface ISequencingMessageStore : IMessageStore
{
    /// <summary>Stores a message with the room's next seq, or returns the one already stored under this idempotency key.</summary>
    Task<(StoredMessage Message, bool Duplicate)> InsertAsync(string roomId, NewMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores several new messages of one room in one statement, with consecutive seqs in list order.
    /// Returns null, storing nothing, if any of them clashes with a stored idempotency key.
    /// </summary>
    Task<IReadOnlyList<StoredMessage>?> InsertManyAsync(string roomId, IReadOnlyList<NewMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Each room's newest seq, for a node checking in one query what signals it may have missed.</summary>
    Task<IReadOnlyDictionary<string, ulong>> LastSeqsAsync(IReadOnlyCollection<string> roomIds, CancellationToken cancellationToken = default);
}

public static class MessageStoreExtensions
{
    /// <summary>One message of a room by its seq, or null.</summary>
    public static async Task<StoredMessage?> FindAsync(this IMessageStore store, string roomId, ulong seq) =>
        seq == 0 ? null : (await store.ReadAsync(roomId, seq - 1, seq + 1, 1, newest: false).ConfigureAwait(false)) is [var message] ? message : null;
}

/// <summary>A message before the store has numbered it.</summary>
public sealed record NewMessage(string SenderId, string SenderName, string ClientMsgId, string Text, DateTimeOffset SentAt, QuotedMessage? ReplyTo = null);
