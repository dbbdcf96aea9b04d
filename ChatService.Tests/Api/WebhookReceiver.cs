using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ChatService.Tests.Chat;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatService.Tests.Api;

/// <summary>
/// A real webhook receiver: Kestrel on a loopback port, recording every POST as it arrived (headers and
/// body), answering 200. It can be stopped and started again on the same port, as a receiver that is
/// redeployed or crashes would be.
/// </summary>
internal sealed class WebhookReceiver(int port) : IAsyncDisposable
{
    private WebApplication? _app;

    public int Port { get; } = port;

    public string Url => $"http://127.0.0.1:{Port}/hook";

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public static async Task<WebhookReceiver> StartAsync(int port)
    {
        var receiver = new WebhookReceiver(port);
        await receiver.StartAsync();
        return receiver;
    }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            Received.Enqueue(new ReceivedWebhook(
                context.Request.Headers["ChatGrpc-Event-Id"].ToString(),
                context.Request.Headers["ChatGrpc-Event-Type"].ToString(),
                context.Request.Headers["ChatGrpc-Signature"].ToString(),
                body));
            return Results.Ok();
        });
        await _app.StartAsync().WaitAsync(ChatServerHost.Timeout);
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(ChatServerHost.Timeout);
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>Waits until <paramref name="done"/> holds for what has arrived.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done([.. Received]))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}; received: {string.Join(", ", Received.Select(r => r.Type))}");
            }

            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}

internal sealed record ReceivedWebhook(string EventId, string Type, string Signature, string Body)
{
    public JsonNode Json => JsonNode.Parse(Body)!;

    public JsonNode Data => Json["data"]!;

    /// <summary>Checks the signature as a receiver would: HMAC-SHA256 over "{t}.{body}" with the shared secret, and a fresh t.</summary>
    public bool SignatureVerifies(string secret)
    {
        var parts = Signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var timestamp = long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{Body}"));
        var fresh = Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp) < 300;
        return fresh && CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(parts["v1"]));
    }
}
