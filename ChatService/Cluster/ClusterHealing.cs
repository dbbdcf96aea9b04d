using ChatService.Chat;
using ChatService.Storage;

namespace ChatService.Cluster;

/// <summary>
/// What keeps a node right when signals are lost: renewing this node's presence leases and room
/// attendance, removing lapsed ones (a dead node's users go offline), and re-reading rooms' newest seqs and other nodes'
/// presence on a timer and after the listener reconnects.
/// </summary>
public sealed class ClusterHealing(
    RoomRegistry rooms,
    RoomFeed feed,
    ISequencingMessageStore messages,
    PresenceTracker presence,
    IPresenceLeases leases,
    PostgresRoomAttendance attendance,
    IClusterBus bus)
{
    /// <summary>Delivers what this node's subscribed rooms missed; with <paramref name="presenceToo"/>, re-reads every remote presence.</summary>
    public async Task HealAsync(bool presenceToo)
    {
        var watched = rooms.Loaded.Where(room => room.Subscribers.Length > 0).ToDictionary(room => room.Id);
        if (watched.Count > 0)
        {
            var newest = await messages.LastSeqsAsync(watched.Keys).ConfigureAwait(false);
            foreach (var (roomId, seq) in newest)
            {
                if (watched[roomId].DeliveredSeq < seq)
                {
                    await feed.AdvanceAsync(watched[roomId], seq).ConfigureAwait(false);
                }
            }
        }

        if (presenceToo)
        {
            await presence.RefreshRemoteAsync(null).ConfigureAwait(false);
        }
    }

    public async Task MaintainLeasesAsync()
    {
        await leases.RenewAsync().ConfigureAwait(false);
        await attendance.MaintainAsync().ConfigureAwait(false);
        var lapsed = await leases.ExpireAsync().ConfigureAwait(false);
        if (lapsed.Count == 0)
        {
            return;
        }

        foreach (var userId in lapsed.Distinct())
        {
            bus.Publish(new PresenceChanged(userId));
        }

        await presence.RefreshRemoteAsync(lapsed).ConfigureAwait(false);
    }
}

/// <summary>Runs <see cref="ClusterHealing"/> on a timer for as long as the node runs.</summary>
internal sealed class ClusterMaintenance(ClusterHealing healing, ClusterOptions options, ILogger<ClusterMaintenance> logger) : BackgroundService
{
    /// <summary>A full presence re-read every this many passes; signals carry the rest.</summary>
    private const int PresencePassEvery = 5;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Min(options.HealInterval.Ticks, options.PresenceLease.Ticks / 3));
        using var timer = new PeriodicTimer(period);
        for (var pass = 1; await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false); pass++)
        {
            try
            {
                await healing.MaintainLeasesAsync().ConfigureAwait(false);
                await healing.HealAsync(presenceToo: pass % PresencePassEvery == 0).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Cluster maintenance pass failed; retrying on the next one.");
            }
        }
    }
}
