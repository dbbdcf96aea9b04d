using ChatService.Tests.Chat;
using static ChatService.Tests.Api.MetricsScrape;

namespace ChatService.Tests.Api;

/// <summary>What a Prometheus server scraping the web port sees: the chat meter, requests, runtime and process.</summary>
[TestClass]
public sealed class MetricsEndpointTests
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

        var text = await ScrapeUntilAsync(http, t => Counter(t, "chat_messages_in_total") >= before + 3);

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
}
