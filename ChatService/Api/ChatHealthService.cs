using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using HealthStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace ChatService.Api;

/// <summary>
/// grpc.health.v1 from Grpc.HealthCheck, plus an end for Watch streams. The library's watches run until the
/// client cancels, and Kestrel waits for open streams before it stops, so every watcher (a load balancer, say)
/// would hold shutdown for the host's whole grace period. <see cref="StopServing"/> sends NOT_SERVING to every
/// watcher and then ends each watch with OK.
/// </summary>
public sealed class ChatHealthService : HealthServiceImpl
{
    private readonly CancellationTokenSource _stopped = new();

    /// <summary>Sets every name to <paramref name="status"/>; watchers see the change at once.</summary>
    public void SetAll(IEnumerable<string> services, HealthStatus status)
    {
        foreach (var service in services)
        {
            SetStatus(service, status);
        }
    }

    /// <summary>NOT_SERVING for every name, then the end of every open and future watch.</summary>
    public void StopServing(IEnumerable<string> services)
    {
        // Queued before the watches are told to end: a watch writes what is queued before it returns.
        SetAll(services, HealthStatus.NotServing);
        _stopped.Cancel();
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopped.Token);
        await base.Watch(request, responseStream, new LinkedCallContext(context, ended.Token)).ConfigureAwait(false);
    }
}
