using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace ChatService.Tests.Infrastructure;

/// <summary>
/// A TCP relay on loopback that holds every chunk for a fixed time in each direction, as a distant
/// network would, keeping the bytes in order, and can cut every connection at once. Put between a
/// node and its database, it widens the windows in which a signal and a read of the same data can
/// arrive in the wrong order; put between a client and the server, it is a network that drops.
/// </summary>
internal sealed class LatencyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private volatile IPEndPoint _target;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;

    private LatencyProxy(IPEndPoint target, TimeSpan delay)
    {
        _target = target;
        _delay = delay;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static LatencyProxy Start(int targetPort, TimeSpan delay) => new(new IPEndPoint(IPAddress.Loopback, targetPort), delay);

    /// <summary>Sends new connections to another port, as a load balancer does when a node leaves; open ones stay where they are.</summary>
    public void Retarget(int targetPort) => _target = new IPEndPoint(IPAddress.Loopback, targetPort);

    /// <summary>Drops every connection relayed so far, as a network cut would; new connections are relayed again.</summary>
    public int CutConnections()
    {
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            var cut = _sockets.Count / 2;
            _sockets.Clear();
            return cut;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        lock (_sockets)
        {
            _sockets.Add(client);
            _sockets.Add(server);
        }

        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // One side went away or the proxy stopped: the relay ends as a dropped connection would.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var held = Channel.CreateUnbounded<(byte[] Bytes, long Due)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var sending = Task.Run(async () =>
        {
            await foreach (var (bytes, due) in held.Reader.ReadAllAsync(_stop.Token))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _stop.Token);
                }

                await to.SendAsync(bytes, SocketFlags.None, _stop.Token);
            }

            to.Shutdown(SocketShutdown.Send);
        });

        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                held.Writer.TryWrite((buffer[..read], Stopwatch.GetTimestamp() + (long)(_delay.TotalSeconds * Stopwatch.Frequency)));
            }
        }
        finally
        {
            held.Writer.TryComplete();
        }

        await sending;
    }
}
