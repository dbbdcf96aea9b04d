using ChatService.Cluster;
using ChatGrpc.Contracts.V1;
using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>Room queries and creation: listing, history, search, members, direct rooms.</summary>
public sealed class RoomDirectory(
    IRoomStore rooms,
    IUserStore users,
    IMessageStore messages,
    IMessageSearch search,
    PresenceTracker presence,
    SessionRegistry sessions,
    IClusterBus bus,
    IChatEvents events,
    ChatOptions options,
    TimeProvider time)
{
    private const int MaxSearchPage = 100;

    public async Task<IReadOnlyList<RoomSummary>> ListAsync(ChatUser caller, bool includePublic) =>
        (await rooms.ListAsync(caller.Id, includePublic).ConfigureAwait(false)).Select(l => l.ToProto()).ToList();

    public async Task<HistoryResponse> HistoryAsync(ChatUser caller, HistoryRequest request)
    {
        var roomId = ChatEngine.RequireRoomId(request.Room);
        await RequireReadableAsync(roomId, caller).ConfigureAwait(false);
        if (request.Limit < 0)
        {
            throw ChatException.InvalidArgument("limit cannot be negative.");
        }

        if (request.BeforeSeq > 0 && request.AfterSeq > 0 && request.BeforeSeq <= request.AfterSeq + 1)
        {
            throw ChatException.InvalidArgument("before_seq must be greater than after_seq + 1 to select anything.");
        }

        var limit = request.Limit == 0 ? 50 : Math.Min(request.Limit, options.HistoryPageMax);
        // Paging back (only before_seq) takes the newest page below it; otherwise the oldest page above after_seq.
        var newest = request.AfterSeq == 0;
        var page = await messages.ReadAsync(roomId, request.AfterSeq, request.BeforeSeq, limit + 1, newest).ConfigureAwait(false);
        var hasMore = page.Count > limit;
        var kept = hasMore ? (newest ? page.Skip(1) : page.Take(limit)) : page;
        var response = new HistoryResponse { HasMore = hasMore };
        response.Messages.AddRange(kept.Select(m => m.ToProto()));
        return response;
    }

    /// <summary>One page of messages matching every word of the query, in one readable room or the caller's rooms.</summary>
    public async Task<SearchResponse> SearchAsync(ChatUser caller, SearchRequest request)
    {
        if (!search.IsAvailable)
        {
            throw ChatException.FailedPrecondition("This server keeps messages in memory only (Storage:PersistMessages=false), so there is nothing to search.");
        }

        var terms = SearchQuery.Parse(request.Query);
        string? roomId = null;
        if (request.Room.Length > 0)
        {
            roomId = ChatEngine.RequireRoomId(request.Room);
            await RequireReadableAsync(roomId, caller).ConfigureAwait(false);
        }

        if (request.Limit < 0)
        {
            throw ChatException.InvalidArgument("limit cannot be negative.");
        }

        var limit = request.Limit == 0 ? 20 : Math.Min(request.Limit, MaxSearchPage);
        var offset = SearchPageToken.Read(request.PageToken);
        var found = await search.SearchAsync(new SearchScope(roomId, caller.Id), terms, limit + 1, offset).ConfigureAwait(false);
        var response = new SearchResponse();
        response.Hits.AddRange(found.Take(limit).Select(m => SearchSnippet.Hit(m, terms)));
        if (found.Count > limit)
        {
            response.NextPageToken = SearchPageToken.Write(offset + limit);
        }

        return response;
    }

    public async Task<RoomSummary> CreateAsync(ChatUser caller, CreateRoomRequest request)
    {
        var roomId = ChatEngine.RequireRoomId(request.Id);
        if (roomId.StartsWith("dm:", StringComparison.Ordinal))
        {
            throw ChatException.InvalidArgument("Direct rooms are opened with OpenDirect, not created.");
        }

        if (request.Kind is not (RoomKind.Public or RoomKind.Private))
        {
            throw ChatException.InvalidArgument("A new room is PUBLIC or PRIVATE.");
        }

        var title = SafeText.RequireLabel(request.Title, ChatLimits.RoomTitleLength, "A room title");

        var memberIds = new List<string> { caller.Id };
        foreach (var name in request.Members)
        {
            var user = await users.FindByNameAsync(name).ConfigureAwait(false) ?? throw ChatException.UnknownUser(name);
            memberIds.Add(user.Id);
        }

        var record = new RoomRecord(roomId, title.Length > 0 ? title : roomId, request.Kind, caller.Id, time.GetUtcNow());
        try
        {
            await rooms.CreateAsync(record, memberIds).ConfigureAwait(false);
        }
        catch (DuplicateException ex)
        {
            throw new ChatException(ChatErrorCode.AlreadyExists, ex.Message);
        }

        events.RoomCreated(record, caller.Name, memberIds);

        await TellAddedAsync(roomId, caller, memberIds.Skip(1)).ConfigureAwait(false);
        return (await rooms.GetListingAsync(roomId, caller.Id).ConfigureAwait(false))!.ToProto();
    }

    public async Task<IReadOnlyList<Presence>> MembersAsync(ChatUser caller, string roomIdText)
    {
        var roomId = ChatEngine.RequireRoomId(roomIdText);
        await RequireReadableAsync(roomId, caller).ConfigureAwait(false);
        return (await rooms.ListMembersAsync(roomId).ConfigureAwait(false)).Select(presence.Get).ToList();
    }

    public async Task<RoomSummary> OpenDirectAsync(ChatUser caller, string otherName)
    {
        var other = await users.FindByNameAsync(otherName).ConfigureAwait(false) ?? throw ChatException.UnknownUser(otherName);
        if (other.Id == caller.Id)
        {
            throw ChatException.InvalidArgument("A direct room needs two different users.");
        }

        var names = new[] { caller.Name.ToLowerInvariant(), other.Name.ToLowerInvariant() }.Order(StringComparer.Ordinal).ToArray();
        var roomId = $"dm:{names[0]}:{names[1]}";
        if (await rooms.FindAsync(roomId).ConfigureAwait(false) is null)
        {
            var record = new RoomRecord(roomId, $"{caller.Name} & {other.Name}", RoomKind.Direct, caller.Id, time.GetUtcNow());
            try
            {
                await rooms.CreateAsync(record, [caller.Id, other.Id]).ConfigureAwait(false);
                events.RoomCreated(record, caller.Name, [caller.Id, other.Id]);
                await TellAddedAsync(roomId, caller, [other.Id]).ConfigureAwait(false);
            }
            catch (DuplicateException)
            {
                // Both users opened it at once; the other call created it (and told the other user).
            }
        }

        return (await rooms.GetListingAsync(roomId, caller.Id).ConfigureAwait(false))!.ToProto();
    }

    /// <summary>Tells every connected device of each new member, on every node, so a new room or DM shows up at once.</summary>
    private async Task TellAddedAsync(string roomId, ChatUser addedBy, IEnumerable<string> memberIds)
    {
        var members = memberIds.Where(id => id != addedBy.Id).Distinct().ToArray();
        bus.Publish(new RoomCreated(roomId, addedBy.Id, addedBy.Name, members));
        await TellAddedHereAsync(roomId, addedBy.Name, members).ConfigureAwait(false);
    }

    /// <summary>The part of <see cref="TellAddedAsync"/> for this node's devices.</summary>
    public async Task TellAddedHereAsync(string roomId, string addedByName, IEnumerable<string> memberIds)
    {
        foreach (var memberId in memberIds)
        {
            var devices = sessions.OfUser(memberId);
            if (devices.Count == 0 || await rooms.GetListingAsync(roomId, memberId).ConfigureAwait(false) is not { } listing)
            {
                continue;
            }

            var frame = Frames.Durable(new ServerFrame { RoomAdded = new RoomAdded { Room = listing.ToProto(), AddedBy = addedByName } });
            foreach (var device in devices)
            {
                device.Send(frame);
            }
        }
    }

    private async Task RequireReadableAsync(string roomId, ChatUser caller)
    {
        var room = await rooms.FindAsync(roomId).ConfigureAwait(false) ?? throw ChatException.NotFound($"Room '{roomId}' does not exist.");
        if (room.Kind != RoomKind.Public && !await rooms.IsMemberAsync(roomId, caller.Id).ConfigureAwait(false))
        {
            throw ChatException.PermissionDenied($"Room '{roomId}' is private and {caller.Name} is not a member.");
        }
    }
}
