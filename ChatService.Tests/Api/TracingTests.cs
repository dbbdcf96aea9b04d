using System.Collections.Concurrent;
using System.Diagnostics;
using ChatCli.Client;
using ChatGrpc.Contracts.V1;
using ChatService.Observability;
using ChatService.Tests.Chat;
using Grpc.Core;

namespace ChatService.Tests.Api;

/// <summary>The span of a send, as an OpenTelemetry exporter would receive it from the server's ActivitySource.</summary>
[TestClass]
public sealed class TracingTests
{
    [TestMethod]
    public async Task Send_WithTraceparent_SendSpanContinuesTheCallersTrace()
    {
        using var spans = new SpanRecorder();
        await using var server = await ChatServerHost.StartAsync();
        var (alice, room, subscription) = await SubscribedAsync(server);
        using var _ = subscription;
        var sessionId = subscription.SessionId;
        await server.Chat.JoinAsync(new JoinRequest { SessionId = sessionId, Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        var traceId = ActivityTraceId.CreateRandom();

        var ack = (await server.Chat.SendAsync(new SendRequest { SessionId = sessionId, Room = room, ClientMsgId = "traced-1", Text = "hello" },
            WithTraceparent(alice, traceId)).ResponseAsync.WaitAsync(ChatServerHost.Timeout)).Ack;

        var send = await spans.WaitForAsync(a => a.OperationName == "chat.send" && a.TraceId == traceId);
        Assert.AreEqual(room, send.GetTagItem("messaging.destination.name"));
        Assert.AreEqual((long)ack.Seq, send.GetTagItem("chat.seq"));
        Assert.AreEqual(ack.Id, send.GetTagItem("messaging.message.id"));
        Assert.AreEqual(ActivityStatusCode.Unset, send.Status);
        Assert.AreNotEqual(default, send.ParentSpanId, "the send span hangs under the request's span");
    }

    [TestMethod]
    public async Task Send_Refused_SendSpanMarkedWithTheErrorCode()
    {
        using var spans = new SpanRecorder();
        await using var server = await ChatServerHost.StartAsync();
        var (alice, room, subscription) = await SubscribedAsync(server);
        using var _ = subscription;
        var sessionId = subscription.SessionId;
        var traceId = ActivityTraceId.CreateRandom();

        var refused = await Assert.ThrowsExactlyAsync<RpcException>(() => server.Chat.SendAsync(
            new SendRequest { SessionId = sessionId, Room = room, ClientMsgId = "traced-2", Text = "not joined" },
            WithTraceparent(alice, traceId)).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(StatusCode.FailedPrecondition, refused.StatusCode);
        var send = await spans.WaitForAsync(a => a.OperationName == "chat.send" && a.TraceId == traceId);
        Assert.AreEqual(ActivityStatusCode.Error, send.Status);
        Assert.AreEqual("FailedPrecondition", send.StatusDescription);
    }

    /// <summary>A user, a room they created, and a Subscribe session of theirs (not yet in the room).</summary>
    private static async Task<(TestUser User, string Room, TestSubscription Subscription)> SubscribedAsync(ChatServerHost server)
    {
        var user = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(user);
        return (user, room, await server.SubscribeAsync(user));
    }

    private static CallOptions WithTraceparent(TestUser user, ActivityTraceId traceId)
    {
        var headers = new Metadata();
        foreach (var entry in user.Options().Headers!)
        {
            headers.Add(entry);
        }

        headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        return new CallOptions(headers).WithDeadlineAfter(ChatServerHost.Timeout);
    }

    /// <summary>Listens as an exporter would: the chat source and ASP.NET Core's request spans, all sampled.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is ChatTracing.SourceName or "Microsoft.AspNetCore",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public async Task<Activity> WaitForAsync(Func<Activity, bool> match)
        {
            var deadline = DateTime.UtcNow + ChatServerHost.Timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (_stopped.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                await Task.Delay(20);
            }

            Assert.Fail($"No matching span among {_stopped.Count}: {string.Join(", ", _stopped.Select(a => a.OperationName).Distinct())}");
            return null!;
        }

        public void Dispose() => _listener.Dispose();
    }
}
