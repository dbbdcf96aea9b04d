using System.Diagnostics;
using ChatGrpc.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using ChatService.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace ChatBench;

internal sealed record BenchOptions(int Senders, int Receivers, int Seconds, int TextBytes, int Nodes, string? Postgres)
{
    public string Store => Postgres is null ? "SQLite WAL, group commit, one node" : $"Postgres, {Nodes} node(s)";

    public static BenchOptions Parse(string[] args)
    {
        int Get(string name, int fallback)
        {
            var index = Array.IndexOf(args, "--" + name);
            return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1]) : fallback;
        }

        var postgres = Array.IndexOf(args, "--postgres") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        return new BenchOptions(Get("senders", 8), Get("receivers", 100), Get("seconds", 10), Get("text-bytes", 100), postgres is null ? 1 : Get("nodes", 2), postgres);
    }
}

internal sealed record RunResult(long Sent, long Delivered, long Lost, TimeSpan Elapsed, double[] LatenciesMs, double[] AckLatenciesMs)
{
    public double P(double q) => Quantile(LatenciesMs, q);

    public double AckP(double q) => Quantile(AckLatenciesMs, q);

    private static double Quantile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}

/// <summary>
/// Hosts the real server on loopback with a temp store and drives one room from many connections. With
/// Postgres and several nodes, senders use the first node and receivers the others, so every delivery
/// crosses nodes.
/// </summary>
internal sealed class OneRoomRun : IAsyncDisposable
{
    private readonly List<WebApplication> _apps;
    private readonly List<GrpcChannel> _channels;
    private readonly BenchOptions _options;
    private readonly string _dataDirectory;

    private OneRoomRun(List<WebApplication> apps, List<GrpcChannel> channels, BenchOptions options, string dataDirectory)
    {
        _apps = apps;
        _channels = channels;
        _options = options;
        _dataDirectory = dataDirectory;
    }

    public static async Task<OneRoomRun> StartAsync(BenchOptions options)
    {
        var data = Path.Combine(Path.GetTempPath(), "chatbench-" + Guid.NewGuid().ToString("N"));
        var apps = new List<WebApplication>();
        var channels = new List<GrpcChannel>();
        for (var node = 0; node < options.Nodes; node++)
        {
            var port = FreePort();
            string[] store = options.Postgres is null
                ? []
                : ["--Storage:Provider=Postgres", $"--Storage:ConnectionString={options.Postgres}", $"--Cluster:NodeId=bench{node}"];
            string[] args =
            [
                $"--Endpoints:GrpcPort={port}", $"--Endpoints:WebPort={FreePort()}", $"--Storage:DataDirectory={data}-{node}",
                "--Auth:PasswordIterations=1000", "--Chat:SendRate:PerSecond=100000", "--Chat:SendRate:Burst=100000",
                "--Chat:JoinRate:PerSecond=100000", "--Chat:JoinRate:Burst=100000", "--Chat:MaxConnectionsPerUser=100000",
                "--Chat:OutboxCapacity=65536", .. store,
            ];
            var builder = WebApplication.CreateSlimBuilder(args);
            builder.Logging.SetMinimumLevel(LogLevel.Error);
            builder.AddChatEndpoints(args);
            builder.AddChat();
            var app = builder.Build();
            app.MapChat();
            await app.StartAsync();
            apps.Add(app);
            channels.Add(ChatGrpc.Client.ChatChannel.Create($"http://127.0.0.1:{port}"));
        }

        return new OneRoomRun(apps, channels, options, data);
    }

    public async Task<RunResult> RunAsync()
    {
        var auth = new AuthServiceClient(_channels[0]);
        var chat = new ChatServiceClient(_channels[0]);
        var owner = await auth.RegisterAsync(new RegisterRequest { UserName = "owner", Password = "owner-password" });
        var headers = new Metadata { { "authorization", "Bearer " + owner.Tokens.AccessToken } };
        await chat.CreateRoomAsync(new CreateRoomRequest { Id = "bench", Kind = RoomKind.Public }, new CallOptions(headers));

        var receivers = new List<(AsyncDuplexStreamingCall<ClientFrame, ServerFrame> Call, Task<(long Count, long Lost, List<double> Latencies)> Reader)>();
        var expected = 0L;
        var stop = new CancellationTokenSource();
        for (var i = 0; i < _options.Receivers; i++)
        {
            var node = _channels.Count > 1 ? 1 + i % (_channels.Count - 1) : 0;
            var call = new ChatServiceClient(_channels[node]).Connect(new CallOptions(headers));
            await call.RequestStream.WriteAsync(new ClientFrame { RequestId = "j", Join = new JoinRequest { Room = "bench" } });
            // Joined before anyone sends: a receiver that joined late would count the messages it got as history as lost.
            while (await call.ResponseStream.MoveNext() && call.ResponseStream.Current.FrameCase != ServerFrame.FrameOneofCase.Joined)
            {
            }

            receivers.Add((call, ReadAsync(call, () => Interlocked.Read(ref expected), stop.Token)));
        }

        var text = new string('x', _options.TextBytes);
        var acks = new List<double>();
        var sent = 0L;
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(_options.Seconds);
        var senders = Enumerable.Range(0, _options.Senders).Select(async n =>
        {
            var call = chat.Connect(new CallOptions(headers));
            var pending = new Dictionary<string, long>();
            await call.RequestStream.WriteAsync(new ClientFrame { RequestId = "j", Join = new JoinRequest { Room = "bench" } });
            var local = new List<double>();
            var i = 0;
            while (clock.Elapsed < until)
            {
                var id = $"{n}-{i++}";
                var started = Stopwatch.GetTimestamp();
                await call.RequestStream.WriteAsync(new ClientFrame
                {
                    RequestId = id,
                    Send = new SendRequest { Room = "bench", ClientMsgId = id, Text = $"{started}|{text}" },
                });
                while (await call.ResponseStream.MoveNext())
                {
                    if (call.ResponseStream.Current.FrameCase == ServerFrame.FrameOneofCase.SendAck)
                    {
                        local.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        Interlocked.Increment(ref sent);
                        break;
                    }

                    if (call.ResponseStream.Current.FrameCase == ServerFrame.FrameOneofCase.Error)
                    {
                        throw new InvalidOperationException(call.ResponseStream.Current.Error.Message);
                    }
                }
            }

            await call.RequestStream.CompleteAsync();
            lock (acks)
            {
                acks.AddRange(local);
            }
        }).ToList();
        await Task.WhenAll(senders);
        var elapsed = clock.Elapsed;
        Interlocked.Exchange(ref expected, Interlocked.Read(ref sent));
        var results = await Task.WhenAll(receivers.Select(r => r.Reader));
        stop.Cancel();
        foreach (var (call, _) in receivers)
        {
            call.Dispose();
        }

        var latencies = results.SelectMany(r => r.Latencies).Order().ToArray();
        return new RunResult(sent, results.Sum(r => r.Count), results.Sum(r => r.Lost), elapsed, latencies, acks.Order().ToArray());
    }

    /// <summary>Counts messages and seq gaps, until every sent message has arrived or the stream goes quiet.</summary>
    private static async Task<(long Count, long Lost, List<double> Latencies)> ReadAsync(
        AsyncDuplexStreamingCall<ClientFrame, ServerFrame> call, Func<long> expected, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        ulong lastSeq = 0;
        long count = 0, lost = 0;
        while (true)
        {
            var target = expected();
            if (target > 0 && count >= target)
            {
                break;
            }

            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            quiet.CancelAfter(TimeSpan.FromSeconds(target > 0 ? 5 : 120));
            try
            {
                if (!await call.ResponseStream.MoveNext(quiet.Token))
                {
                    break;
                }
            }
            catch (RpcException)
            {
                break;
            }

            var frame = call.ResponseStream.Current;
            if (frame.FrameCase != ServerFrame.FrameOneofCase.Message)
            {
                continue;
            }

            var message = frame.Message;
            if (message.Seq != lastSeq + 1)
            {
                lost += (long)(message.Seq - lastSeq - 1);
            }

            lastSeq = message.Seq;
            count++;
            var stamp = long.Parse(message.Text.AsSpan(0, message.Text.IndexOf('|')));
            latencies.Add(Stopwatch.GetElapsedTime(stamp).TotalMilliseconds);
        }

        return (count, lost, latencies);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        for (var node = 0; node < _apps.Count; node++)
        {
            await _apps[node].StopAsync();
            await _apps[node].DisposeAsync();
            if (Directory.Exists($"{_dataDirectory}-{node}"))
            {
                Directory.Delete($"{_dataDirectory}-{node}", recursive: true);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
