using System.Threading.Channels;
using ChatGrpc.Wire.Server;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace ChatGrpc.Wire.Services;

/// <summary>
/// The standard grpc.health.v1.Health service. The empty service name stands for the whole server.
/// Check answers NOT_FOUND for unknown services; Watch streams every change until the client leaves.
/// </summary>
public sealed class HealthService
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new() { [""] = ServingStatus.Serving };
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = new();

    public ServiceDefinition Definition => ServiceDefinition.For(HealthReflection.Descriptor.Services[0])
        .Unary<HealthCheckRequest, HealthCheckResponse>("Check", CheckAsync)
        .ServerStreaming<HealthCheckRequest, HealthCheckResponse>("Watch", WatchAsync)
        .Build();

    public void SetStatus(string service, ServingStatus status)
    {
        lock (_gate)
        {
            _statuses[service] = status;
            if (_watchers.TryGetValue(service, out var watchers))
            {
                foreach (var watcher in watchers)
                {
                    watcher.Writer.TryWrite(status);
                }
            }
        }
    }

    /// <summary>Marks every known service NOT_SERVING, as a server does when it starts to shut down.</summary>
    public void SetAllNotServing()
    {
        lock (_gate)
        {
            foreach (var service in _statuses.Keys.ToList())
            {
                SetStatus(service, ServingStatus.NotServing);
            }
        }
    }

    private Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext context)
    {
        lock (_gate)
        {
            return _statuses.TryGetValue(request.Service, out var status)
                ? Task.FromResult(new HealthCheckResponse { Status = status })
                : throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        }
    }

    private async Task WatchAsync(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        // Only the latest status matters to a watcher, so a slow one skips stale updates.
        var updates = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            updates.Writer.TryWrite(_statuses.GetValueOrDefault(request.Service, ServingStatus.ServiceUnknown));
            if (!_watchers.TryGetValue(request.Service, out var list))
            {
                _watchers[request.Service] = list = new List<Channel<ServingStatus>>();
            }

            list.Add(updates);
        }

        try
        {
            await foreach (var status in updates.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responses.WriteAsync(new HealthCheckResponse { Status = status }).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers[request.Service].Remove(updates);
            }
        }
    }
}
