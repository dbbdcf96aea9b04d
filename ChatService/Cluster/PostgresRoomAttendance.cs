using ChatService.Chat;
using ChatService.Storage;

namespace ChatService.Cluster;

/// <summary>
/// Room attendance on a cluster: a leased row per (room, user, node) that has a subscription, written
/// by <c>chat_attend</c>, which takes an advisory lock per (room, user) so two nodes that gain or lose
/// the user at the same moment still decide "first" and "last" once. Each change re-reads this node's
/// subscriptions when it runs, so changes that raced each other here end in the state that is true.
/// </summary>
public sealed class PostgresRoomAttendance(PostgresDatabase database, ClusterNode node, ClusterOptions options, ILogger<PostgresRoomAttendance> logger)
    : IRoomAttendance
{
    private readonly Dictionary<(string Room, string User), Task<bool?>> _tails = new();
    private Task? _forgetEarlierRun;

    public Task<bool?> RecordAsync(Room room, ChatUser user, bool here)
    {
        var key = (room.Id, user.Id);
        lock (_tails)
        {
            // A previous run of this node may have left rows that would pass for subscriptions of this one.
            _forgetEarlierRun ??= database.ExecuteAsync("DELETE FROM room_attendance WHERE node_id = @node;", CancellationToken.None, ("@node", node.Id));
            var next = ReconcileAsync(_tails.GetValueOrDefault(key) ?? _forgetEarlierRun, room, user);
            _tails[key] = next;
            next.ContinueWith(_ => Forget(key, next), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return next;
        }
    }

    /// <summary>Renews this node's rows and removes lapsed ones (a node that died), with the presence leases.</summary>
    public Task MaintainAsync() =>
        database.ExecuteAsync(
            """
            UPDATE room_attendance SET expires_at = now() + make_interval(secs => @lease) WHERE node_id = @node;
            DELETE FROM room_attendance WHERE expires_at <= now();
            """,
            CancellationToken.None, ("@node", node.Id), ("@lease", options.PresenceLease.TotalSeconds));

    private async Task<bool?> ReconcileAsync(Task previous, Room room, ChatUser user)
    {
        // One change per (room, user) at a time, in order; a failed one is logged by itself and must not stop the next.
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
        try
        {
            var change = await database.ScalarAsync(
                "SELECT chat_attend(@room, @user, @node, @lease, @here);",
                CancellationToken.None,
                ("@room", room.Id), ("@user", user.Id), ("@node", node.Id), ("@lease", options.PresenceLease.TotalSeconds), ("@here", room.HasSubscriber(user.Id)))
                .ConfigureAwait(false);
            return change is int direction && direction != 0 ? direction > 0 : null;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Recording {User} in room {Room} failed; their member event is not announced.", user.Id, room.Id);
            return null;
        }
    }

    private void Forget((string Room, string User) key, Task<bool?> finished)
    {
        lock (_tails)
        {
            if (_tails.TryGetValue(key, out var tail) && tail == finished)
            {
                _tails.Remove(key);
            }
        }
    }
}
