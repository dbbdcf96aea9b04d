using System.Text;
using System.Threading.Channels;
using ChatService.Storage;
using Npgsql;

namespace ChatService.Cluster;

/// <summary>
/// The cluster bus on Postgres LISTEN/NOTIFY. One publisher loop keeps this node's signals in order;
/// one listener connection receives everyone's. When the listener connection breaks, the bus
/// reconnects and raises <see cref="ListenerResumed"/> so the node re-reads what it may have missed.
/// </summary>
public sealed class PostgresSignalBus : IClusterBus, IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(500);

    private readonly PostgresDatabase _database;
    private readonly NpgsqlDataSource _listenerSource;
    private readonly ILogger<PostgresSignalBus> _logger;
    private readonly Channel<ClusterSignal> _outgoing = Channel.CreateUnbounded<ClusterSignal>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<string> _received = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<ClusterSignal> _incoming = Channel.CreateUnbounded<ClusterSignal>();
    private readonly CancellationTokenSource _stopping = new();
    private Task _loops = Task.CompletedTask;
    private int _disposed;

    public PostgresSignalBus(PostgresDatabase database, ClusterNode node, ILogger<PostgresSignalBus> logger)
    {
        _database = database;
        _logger = logger;
        NodeId = node.Id;
        // Its own source: keepalives find a dead peer on an otherwise silent connection, and the
        // application name lets an operator (or a test) see and end this node's listener.
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            KeepAlive = 5,
            ApplicationName = ListenerApplicationName(node.Id),
            Pooling = false,
        };
        _listenerSource = NpgsqlDataSource.Create(builder);
    }

    public string NodeId { get; }

    public ChannelReader<ClusterSignal> Incoming => _incoming.Reader;

    public static string ListenerApplicationName(string nodeId) => $"chatgrpc-listener-{nodeId}";

    public void Publish(ClusterSignal signal) => _outgoing.Writer.TryWrite(signal);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Listening before the node serves anyone, so nothing published after start is missed.
        var connection = await ListenAsync(cancellationToken).ConfigureAwait(false);
        _loops = Task.WhenAll(
            Task.Run(() => ListenLoopAsync(connection)),
            Task.Run(DecodeLoopAsync),
            Task.Run(PublishLoopAsync));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _outgoing.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loops.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Idempotent: the container disposes this once as the bus and once as a hosted service.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listenerSource.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<NpgsqlConnection> ListenAsync(CancellationToken cancellationToken)
    {
        var connection = await _listenerSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        connection.Notification += (_, e) => _received.Writer.TryWrite(e.Payload);
        await using var listen = new NpgsqlCommand($"LISTEN {SignalCodec.Channel};", connection);
        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private async Task ListenLoopAsync(NpgsqlConnection connection)
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await connection.WaitAsync(token).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "The cluster listener connection broke; reconnecting.");
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            connection = await ReconnectAsync(token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
            {
                break;
            }

            _incoming.Writer.TryWrite(new ListenerResumed());
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        _received.Writer.TryComplete();
    }

    private async Task<NpgsqlConnection> ReconnectAsync(CancellationToken token)
    {
        while (true)
        {
            try
            {
                await Task.Delay(ReconnectDelay, token).ConfigureAwait(false);
                var connection = await ListenAsync(token).ConfigureAwait(false);
                _logger.LogInformation("The cluster listener is back.");
                return connection;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return null!;
            }
            catch (Exception ex)
            {
                _logger.LogWarning("The cluster listener could not reconnect yet: {Reason}", ex.Message);
            }
        }
    }

    private async Task DecodeLoopAsync()
    {
        await foreach (var payload in _received.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (await DecodeAsync(payload).ConfigureAwait(false) is { } signal)
                {
                    _incoming.Writer.TryWrite(signal);
                }
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Ignoring a cluster signal that could not be read.");
            }
        }
    }

    private async Task<ClusterSignal?> DecodeAsync(string payload)
    {
        if (SignalCodec.Split(payload) is not var (kind, origin, body) || origin == NodeId)
        {
            return null;
        }

        if (kind == '@')
        {
            var stored = await _database.ScalarAsync("SELECT payload FROM cluster_signals WHERE id = @id;", _stopping.Token, ("@id", long.Parse(body)))
                .ConfigureAwait(false) as string;
            return stored is not null && SignalCodec.Split(stored) is var (storedKind, _, storedBody) ? SignalCodec.Decode(storedKind, storedBody) : null;
        }

        return SignalCodec.Decode(kind, body);
    }

    private async Task PublishLoopAsync()
    {
        await foreach (var signal in _outgoing.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                var payload = SignalCodec.Encode(NodeId, signal);
                if (Encoding.UTF8.GetByteCount(payload) > SignalCodec.MaxInlineBytes)
                {
                    var id = Convert.ToInt64(await _database.ScalarAsync(
                        "INSERT INTO cluster_signals (payload) VALUES (@payload) RETURNING id;", CancellationToken.None, ("@payload", payload)).ConfigureAwait(false));
                    payload = SignalCodec.Reference(NodeId, id);
                }

                await _database.ExecuteAsync("SELECT pg_notify(@channel, @payload);", CancellationToken.None, ("@channel", SignalCodec.Channel), ("@payload", payload))
                    .ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A signal is a hint: the state it points at is in the database, and peers heal on their next pass.
                _logger.LogWarning(ex, "Publishing {Signal} to the cluster failed.", signal.GetType().Name);
            }
        }
    }
}
