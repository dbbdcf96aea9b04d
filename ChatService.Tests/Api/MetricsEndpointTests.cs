using System.Globalization;
using System.Text.RegularExpressions;
using ChatService.Tests.Chat;

namespace ChatService.Tests.Api;

/// <summary>What a Prometheus server scraping the web port sees: the chat meter, requests, runtime and process.</summary>
[TestClass]
public sealed partial class MetricsEndpointTests
{
    [TestMethod]
    public async Task Metrics_AfterMessages_PrometheusTextShowsChatCountersMoving()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.WebPort}"), Timeout = ChatServerHost.Timeout };
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await a.SendAsync(room, "one");
        var before = Counter(await ScrapeAsync(http), "chat_messages_in_total");

        for (var i = 0; i < 3; i++)
        {
            await a.SendAsync(room, $"more {i}");
        }

        // The exporter caches a scrape for a moment; wait for a fresh one.
        string text;
        var deadline = DateTime.UtcNow + ChatServerHost.Timeout;
        do
        {
            await Task.Delay(100);
            text = await ScrapeAsync(http);
        }
        while (Counter(text, "chat_messages_in_total") < before + 3 && DateTime.UtcNow < deadline);

        Assert.AreEqual(before + 3, Counter(text, "chat_messages_in_total"), "every stored message is counted");
        StringAssert.Contains(text, "# TYPE chat_messages_in_total counter");
        Assert.IsTrue(Counter(text, "chat_connections") >= 1, "the open stream is counted");
        StringAssert.Contains(text, "chat_store_commit_duration_milliseconds_bucket");
        StringAssert.Contains(text, "http_server_request_duration_seconds_bucket", "ASP.NET Core's request metrics");
        StringAssert.Contains(text, "kestrel_active_connections", "Kestrel's connection metrics");
        StringAssert.Contains(text, "dotnet_gc_collections_total", "runtime metrics");
        StringAssert.Contains(text, "process_cpu_time_seconds_total", "process metrics");
    }

    [TestMethod]
    public async Task Metrics_NoToken_ServedWithTheNodeNameAndNoUserNames()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Cluster:NodeId"] = "metrics-node" });
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);
        await a.SendAsync(room, "hello");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.WebPort}"), Timeout = ChatServerHost.Timeout };

        var text = await ScrapeAsync(http);

        Assert.IsFalse(text.Contains(alice.Name, StringComparison.Ordinal), "labels must not carry user names");
        Assert.IsFalse(text.Contains(room, StringComparison.Ordinal), "labels must not carry room ids (unbounded)");
        StringAssert.Contains(text, "service_instance_id=\"metrics-node\"", "the node's name identifies its series");
    }

    private static async Task<string> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics").WaitAsync(ChatServerHost.Timeout);
        Assert.AreEqual(System.Net.HttpStatusCode.OK, response.StatusCode);
        StringAssert.StartsWith(response.Content.Headers.ContentType?.MediaType, "text/plain");
        return await response.Content.ReadAsStringAsync().WaitAsync(ChatServerHost.Timeout);
    }

    /// <summary>The sum of a metric's samples over all label sets; 0 when it has none yet.</summary>
    private static double Counter(string text, string name) =>
        Sample().Matches(text)
            .Where(m => m.Groups["name"].Value == name)
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (?<value>[-+0-9.eE]+|NaN)( \d+)?$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
