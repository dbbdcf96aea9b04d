using ChatService.Auth;
using ChatService.Chat;

namespace ChatService.Cluster;

/// <summary>Applies other nodes' signals to this node's rooms and sessions.</summary>
internal sealed class ClusterSignalHandler(
    IClusterBus bus,
    RoomRegistry rooms,
    ClusterRelay relay,
    RoomFeed feed,
    MessageChanges changes,
    PresenceTracker presence,
    RoomDirectory directory,
    ClusterHealing healing,
    RevokedSignIns revokedSignIns,
    ILogger<ClusterSignalHandler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var signal in bus.Incoming.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                Apply(signal);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Applying {Signal} from the cluster failed", signal.GetType().Name);
            }
        }
    }

    private void Apply(ClusterSignal signal)
    {
        switch (signal)
        {
            case RoomAdvanced advanced when rooms.TryGetLoaded(advanced.RoomId) is { } room:
                // Not awaited: one slow room read must not hold up every other room's signals.
                Observe(feed.AdvanceAsync(room, advanced.Seq), signal);
                break;
            case RoomFrame frame when rooms.TryGetLoaded(frame.RoomId) is { } room:
                if (frame.Change > 0)
                {
                    Observe(changes.DeliverAsync(room, frame.Change, new OutboundFrame(frame.Frame, Durable: true), frame.AfterSeq), signal);
                }
                else
                {
                    ClusterRelay.DeliverToRoom(room, new OutboundFrame(frame.Frame, frame.Durable), frame.ExceptUserId, frame.AfterSeq);
                }

                if (room.DeliveredSeq < frame.AfterSeq)
                {
                    // The frame waits for that message; read it now rather than trust its own signal to arrive.
                    Observe(feed.AdvanceAsync(room, frame.AfterSeq), signal);
                }

                break;
            case UserFrame frame:
                relay.DeliverToUser(frame.UserId, frame.Frame, frame.ExceptSessionId);
                break;
            case UserKicked kicked:
                if (kicked.SignIn is { } signIn)
                {
                    revokedSignIns.Revoke(signIn);
                }

                relay.DeliverKick(kicked.UserId, kicked.Message, kicked.SignIn);
                break;
            case PresenceChanged changed:
                Observe(presence.RefreshRemoteAsync([changed.UserId]), signal);
                break;
            case RoomCreated created:
                Observe(directory.TellAddedHereAsync(created.RoomId, created.AddedByName, created.MemberIds), signal);
                break;
            case ListenerResumed:
                logger.LogInformation("Re-reading rooms and presence after a gap in cluster signals.");
                Observe(healing.HealAsync(presenceToo: true), signal);
                break;
        }
    }

    private void Observe(Task task, ClusterSignal signal) =>
        task.ContinueWith(
            t => logger.LogError(t.Exception, "Applying {Signal} from the cluster failed", signal.GetType().Name),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
}
