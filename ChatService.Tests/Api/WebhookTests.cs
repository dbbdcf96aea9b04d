using System.Net;
using System.Net.Sockets;
using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Api;

/// <summary>Webhooks against a real local receiver that goes away and comes back, across a server restart.</summary>
[TestClass]
public sealed class WebhookTests
{
    private const string Secret = "webhook-test-secret-0123456789";

    [TestMethod]
    public async Task Events_ReceiverDownAndServerRestarted_EveryEventArrivesSignedWithOneIdEach()
    {
        await using var receiver = await WebhookReceiver.StartAsync(FreePort.Next());
        await using var server = await ChatServerHost.StartAsync(Settings(receiver.Url));
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using (var bobStream = await server.ConnectAndJoinAsync(bob, room))
        {
            await using var aliceStream = await server.ConnectAndJoinAsync(alice, room);
            for (var i = 1; i <= 3; i++)
            {
                await aliceStream.SendAsync(room, $"before {i}");
            }

            await receiver.WaitForAsync(r => r.Count(e => e.Type == "message.stored") == 3, ChatServerHost.Timeout, "the first three messages");
            await aliceStream.EditAsync(room, 1, "before 1, edited");
            await aliceStream.DeleteAsync(room, 2);
            await receiver.WaitForAsync(r => r.Any(e => e.Type == "message.deleted"), ChatServerHost.Timeout, "the edit and the deletion");
            await receiver.StopAsync();
            for (var i = 4; i <= 6; i++)
            {
                await aliceStream.SendAsync(room, $"while down {i}");
            }
        }

        // Bob's only connection is gone: after the grace period he is offline with six unread messages.
        await WaitForOutboxAsync(server, rows => rows >= 4, "the events recorded while the receiver is down");
        await server.RestartAsync();
        await receiver.StartAsync();

        await receiver.WaitForAsync(r => r.Count(e => e.Type == "message.stored") >= 6 && r.Any(e => IsOffline(e, bob.Name)), TimeSpan.FromSeconds(30), "every event");

        var received = receiver.Received.ToList();
        Assert.IsTrue(received.All(r => r.SignatureVerifies(Secret)), "every request is signed with the endpoint's secret");
        Assert.IsTrue(received.All(r => r.EventId == r.Json["id"]!.GetValue<string>() && r.Type == r.Json["type"]!.GetValue<string>()), "headers match the body");
        // One id per event: a redelivery repeats the id, a different event never shares one.
        var byKey = received.GroupBy(Key).ToDictionary(g => g.Key, g => g.Select(r => r.EventId).Distinct().ToList());
        foreach (var (key, ids) in byKey)
        {
            Assert.HasCount(1, ids, $"{key} arrived with more than one event id");
        }

        Assert.AreEqual(byKey.Count, byKey.Values.SelectMany(ids => ids).Distinct().Count(), "no two events share an id");
        var seqs = received.Where(r => r.Type == "message.stored").Select(r => r.Data["seq"]!.GetValue<ulong>()).Distinct().Order().ToList();
        CollectionAssert.AreEqual(new ulong[] { 1, 2, 3, 4, 5, 6 }, seqs, "every stored message, once each");
        Assert.AreEqual("while down 6", received.Last(r => r.Type == "message.stored").Data["text"]!.GetValue<string>(), "in the order they were stored");
        var edited = received.First(r => r.Type == "message.edited").Data;
        Assert.AreEqual(("before 1, edited", 1UL, alice.Name), (edited["text"]!.GetValue<string>(), edited["change"]!.GetValue<ulong>(), edited["by"]!.GetValue<string>()));
        var deleted = received.First(r => r.Type == "message.deleted").Data;
        Assert.AreEqual((2UL, 2UL), (deleted["seq"]!.GetValue<ulong>(), deleted["change"]!.GetValue<ulong>()));
        Assert.IsNull(deleted["text"], "a deletion carries no text");
        var created = received.Single(r => r.Type == "room.created").Data;
        Assert.AreEqual(room, created["room"]!["id"]!.GetValue<string>());
        Assert.AreEqual(alice.Name, created["createdBy"]!["name"]!.GetValue<string>());
        var joined = received.Single(r => r.Type == "member.joined" && r.Data["user"]!["name"]!.GetValue<string>() == bob.Name).Data;
        Assert.AreEqual(room, joined["room"]!.GetValue<string>());
        var offline = received.First(r => IsOffline(r, bob.Name)).Data;
        Assert.AreEqual(6, offline["unread"]!.GetValue<int>(), "bob read none of the six messages");
        Assert.AreEqual(room, offline["rooms"]![0]!["room"]!.GetValue<string>());
        await WaitForOutboxAsync(server, rows => rows == 0, "the outbox to empty once everything was taken");
    }

    [TestMethod]
    public async Task Send_EndpointAcceptsButNeverAnswers_ChatCarriesOnAndEventsWait()
    {
        // Accepts TCP connections and never answers: the worst kind of dead endpoint.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var server = await ChatServerHost.StartAsync(Settings($"http://127.0.0.1:{port}/hook", timeout: "00:01:00"));
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var stream = await server.ConnectAndJoinAsync(alice, room);

        for (var i = 1; i <= 20; i++)
        {
            var ack = await stream.SendAsync(room, $"message {i}");
            Assert.AreEqual((ulong)i, ack.Seq);
        }

        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        Assert.HasCount(20, history.Messages);
        // room.created and twenty message.stored wait in the table for the endpoint.
        await WaitForOutboxAsync(server, rows => rows == 21, "every event to be recorded");
    }

    [TestMethod]
    public async Task Stop_WhileAPostHangs_HandsItsClaimBackForTheNextStart()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var server = await ChatServerHost.StartAsync(Settings($"http://127.0.0.1:{port}/hook", timeout: "00:01:00"));
        var alice = await server.RegisterAsync();
        await server.CreateRoomAsync(alice);
        // The room.created POST is on its way (claimed for its 21 timeouts) when the server stops.
        using var accepted = await silent.AcceptTcpClientAsync().WaitAsync(ChatServerHost.Timeout);

        await server.StopServerAsync();

        using var connection = server.OpenStoreConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), MAX(next_attempt_at) FROM webhook_outbox;";
        using var reader = command.ExecuteReader();
        Assert.IsTrue(reader.Read());
        Assert.AreEqual(1L, reader.GetInt64(0), "the event is still waiting");
        var next = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1));
        Assert.IsLessThanOrEqualTo(DateTimeOffset.UtcNow, next, "due at once after a restart, not when the claim would have run out");
    }

    [TestMethod]
    public async Task Start_BadEndpointSettings_RefusesWithAReadableReason()
    {
        var error = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:Endpoints:0:Url"] = "http://127.0.0.1:9/hook",
            ["Webhooks:Endpoints:0:Secret"] = "short",
        }));
        StringAssert.Contains(error.Message, "Secret of at least 16 characters");
    }

    private static Dictionary<string, string?> Settings(string url, string timeout = "00:00:05") => new()
    {
        ["Webhooks:Endpoints:0:Url"] = url,
        ["Webhooks:Endpoints:0:Secret"] = Secret,
        ["Webhooks:RetryInitial"] = "00:00:00.100",
        ["Webhooks:RetryMax"] = "00:00:00.500",
        ["Webhooks:PollInterval"] = "00:00:00.200",
        ["Webhooks:Timeout"] = timeout,
        ["Chat:PresenceGrace"] = "00:00:00.200",
    };

    private static bool IsOffline(ReceivedWebhook webhook, string userName) =>
        webhook.Type == "user.offline" && webhook.Data["user"]!["name"]!.GetValue<string>() == userName;

    /// <summary>What makes two deliveries the same event: its type and what it is about.</summary>
    private static string Key(ReceivedWebhook webhook) => webhook.Type switch
    {
        "message.stored" => $"message {webhook.Data["room"]} {webhook.Data["seq"]}",
        "message.edited" or "message.deleted" => $"change {webhook.Data["room"]} {webhook.Data["change"]}",
        "room.created" => $"room {webhook.Data["room"]!["id"]}",
        "member.joined" => $"member {webhook.Data["room"]} {webhook.Data["user"]!["id"]}",
        // A user may go offline more than once (alice, when the server restarts); each time is its own event.
        _ => $"offline {webhook.Data["user"]!["id"]} {webhook.Data["lastSeen"]}",
    };

    private static async Task WaitForOutboxAsync(ChatServerHost server, Func<long, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + ChatServerHost.Timeout;
        long rows;
        while (!done(rows = CountOutbox(server)))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}: the outbox holds {rows} rows.");
            }

            await Task.Delay(50);
        }
    }

    private static long CountOutbox(ChatServerHost server)
    {
        using var connection = server.OpenStoreConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM webhook_outbox;";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
