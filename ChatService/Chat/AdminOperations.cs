using ChatGrpc.Contracts.V1;
using ChatService.Cluster;
using ChatService.Observability;
using ChatService.Storage;
using Google.Protobuf.WellKnownTypes;

namespace ChatService.Chat;

/// <summary>Operator actions: notifications, kicks, roles and stats (moderators' deletions are <see cref="MessageChanges"/>).</summary>
public sealed class AdminOperations(
    SessionRegistry sessions,
    IRoomStore roomStore,
    IUserStore users,
    IMessageStore messages,
    ClusterRelay relay,
    RoomRegistry rooms,
    INodeStatsBoard board,
    ClusterNode node,
    ChatMetrics metrics,
    TimeProvider time)
{
    /// <summary>A node that has not posted its figures for this long is left off the dashboard.</summary>
    private static readonly TimeSpan NodeSilence = TimeSpan.FromSeconds(10);

    private const int BusiestRooms = 10;

    public int Broadcast(ChatUser admin, string title, string body)
    {
        var frame = NotificationFrame(admin, NotificationKind.Broadcast, title, body);
        return relay.ToUser(userId: null, frame);
    }

    public async Task<int> NotifyAsync(ChatUser admin, string userName, string title, string body)
    {
        var user = await RequireUserAsync(userName).ConfigureAwait(false);
        var frame = NotificationFrame(admin, NotificationKind.Direct, title, body);
        return relay.ToUser(user.Id, frame);
    }

    public async Task<int> KickAsync(ChatUser admin, string userName, string reason)
    {
        var user = await RequireUserAsync(userName).ConfigureAwait(false);
        SafeText.RequireLabel(reason, ChatLimits.KickReasonLength, "A kick reason");
        var message = reason.Length > 0 ? $"Disconnected by {admin.Name}: {reason}" : $"Disconnected by {admin.Name}.";
        return relay.Kick(user.Id, message);
    }

    public async Task<User> SetRoleAsync(string userName, Role role)
    {
        if (role == Role.Unspecified)
        {
            throw ChatException.InvalidArgument("Choose MEMBER, MODERATOR or ADMIN.");
        }

        var user = await users.SetRoleAsync(userName, role).ConfigureAwait(false) ?? throw ChatException.UnknownUser(userName);
        return user.ToProto();
    }

    public async Task<GetStatsResponse> StatsAsync()
    {
        var self = ThisNode();
        var response = new GetStatsResponse
        {
            Connections = self.Connections,
            UsersOnline = self.UsersOnline,
            Rooms = await roomStore.CountAsync().ConfigureAwait(false),
            MessagesStored = await messages.CountAsync().ConfigureAwait(false),
            MessagesPerSecond = self.MessagesPerSecond,
            Node = self.Node,
        };
        response.MessagesLastMinute.AddRange(self.MessagesLastMinute);
        var others = await board.ReadSinceAsync(time.GetUtcNow() - NodeSilence).ConfigureAwait(false);
        response.Nodes.AddRange(others.Where(n => n.Node != self.Node).Append(self).OrderBy(n => n.Node, StringComparer.Ordinal));
        response.BusiestRooms.AddRange(rooms.Loaded
            .Select(room => (room, rate: room.MessagesPerMinute))
            .Where(r => r.rate >= 0.05)
            .OrderByDescending(r => r.rate)
            .Take(BusiestRooms)
            .Select(r => new RoomActivity
            {
                Room = r.room.Id,
                Title = r.room.Record.Title,
                MessagesPerMinute = Math.Round(r.rate, 1),
                Subscribers = r.room.Subscribers.Length,
            }));
        return response;
    }

    /// <summary>This node's own figures, as it posts them for the others.</summary>
    public NodeStats ThisNode()
    {
        var lastMinute = metrics.MessagesLastMinute();
        var stats = new NodeStats
        {
            Node = node.Id,
            Connections = sessions.Count,
            UsersOnline = sessions.UsersOnline,
            MessagesPerSecond = metrics.PerSecond(lastMinute),
            ReportedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
        stats.MessagesLastMinute.AddRange(lastMinute);
        return stats;
    }

    private async Task<UserRecord> RequireUserAsync(string userName) =>
        await users.FindByNameAsync(userName).ConfigureAwait(false) ?? throw ChatException.UnknownUser(userName);

    private OutboundFrame NotificationFrame(ChatUser from, NotificationKind kind, string title, string body)
    {
        SafeText.RequireLabel(title, ChatLimits.NotificationTitleLength, "A notification's title");
        if (!SafeText.FitsIn(body, ChatLimits.NotificationBodyLength))
        {
            throw ChatException.InvalidArgument($"A notification's body is at most {ChatLimits.NotificationBodyLength} characters.");
        }

        return Frames.Durable(new ServerFrame
        {
            Notification = new Notification
            {
                Id = Guid.NewGuid().ToString("N"),
                Kind = kind,
                FromUser = from.Name,
                Title = title,
                Body = body,
                SentAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            },
        });
    }
}
