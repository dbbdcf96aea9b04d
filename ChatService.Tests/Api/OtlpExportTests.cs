using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Api;

/// <summary>With OTEL_EXPORTER_OTLP_ENDPOINT set, metrics and send spans reach an OTLP/HTTP receiver.</summary>
[TestClass]
public sealed class OtlpExportTests
{
    [TestMethod]
    public async Task Export_OtlpEndpointConfigured_ReceiverGetsChatMetricsAndSendSpans()
    {
        using var receiver = new OtlpReceiver();
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);

        await a.SendAsync(room, "exported");

        // Protobuf keeps strings as UTF-8 bytes, so the names can be found in the raw request bodies.
        await receiver.WaitForAsync("/v1/metrics", "chat.messages.in");
        await receiver.WaitForAsync("/v1/traces", "chat.send");
        await receiver.WaitForAsync("/v1/traces", room);
    }

    /// <summary>A minimal OTLP/HTTP collector on loopback: stores every request body by path and answers 200.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Path, string Body)> _received = new();
        private readonly Task _loop;

        public OtlpReceiver()
        {
            var port = FreePort.Next();
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add($"{Endpoint}/");
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public string Endpoint { get; }

        public async Task WaitForAsync(string path, string text)
        {
            var deadline = DateTime.UtcNow + ChatServerHost.Timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (_received.Any(r => r.Path == path && r.Body.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                await Task.Delay(50);
            }

            Assert.Fail($"Nothing containing '{text}' was posted to {path}; got {string.Join(", ", _received.Select(r => r.Path).Distinct())}.");
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (HttpListenerException) when (!_listener.IsListening)
                {
                    return; // stopped by Dispose
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _received.Enqueue((context.Request.Url!.AbsolutePath, Encoding.UTF8.GetString(body.ToArray())));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(ChatServerHost.Timeout);
        }
    }
}
