using System.Diagnostics;
using ChatGrpc.Interop;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class DeadlineAndCancellationTests
{
    private static readonly TimeSpan HandlerSleep = TimeSpan.FromSeconds(10);

    // "Promptly": well under the handler's sleep, however slow the machine.
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(5);

    [TestMethod]
    public async Task ServerDeadline_HandlerIgnoresToken_EndsCallWithDeadlineExceededPromptly()
    {
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var teardown = new CancellationTokenSource();
        await using var host = await WireTestHost.StartAsync(DeafHandler(tokenFired, teardown.Token));
        try
        {
            // A raw request: grpc-timeout is sent but the client enforces nothing, so only the server can end it.
            using var http = WireTestHost.CreateRawClient();
            using var request = RawGrpc.PostUnary(host.Address, TestServiceDefinition.UnaryCall.FullName, new SimpleRequest());
            request.Headers.TryAddWithoutValidation("grpc-timeout", "200m");
            var clock = Stopwatch.StartNew();

            var (response, _) = await RawGrpc.SendAsync(http, request);

            Assert.IsLessThan(Promptly, clock.Elapsed);
            Assert.AreEqual("4", RawGrpc.Status(response));
            await tokenFired.Task.WaitAsync(WireTimeouts.Step);
        }
        finally
        {
            await teardown.CancelAsync().WaitAsync(WireTimeouts.Step);
        }
    }

    [TestMethod]
    public async Task ClientDeadline_HandlerIgnoresToken_ThrowsDeadlineExceededPromptlyAndHandlerTokenFires()
    {
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var teardown = new CancellationTokenSource();
        await using var host = await WireTestHost.StartAsync(DeafHandler(tokenFired, teardown.Token));
        try
        {
            using var channel = host.CreateChannel();
            var clock = Stopwatch.StartNew();

            var ex = await Assert.ThrowsExactlyAsync<RpcException>(() =>
                new TestServiceClient(channel).UnaryCall(new SimpleRequest(), new CallOptions().WithDeadlineAfter(TimeSpan.FromMilliseconds(200))).ResponseAsync.WaitAsync(WireTimeouts.Call));

            Assert.AreEqual(StatusCode.DeadlineExceeded, ex.StatusCode);
            Assert.IsLessThan(Promptly, clock.Elapsed);
            await tokenFired.Task.WaitAsync(WireTimeouts.Step);
        }
        finally
        {
            await teardown.CancelAsync().WaitAsync(WireTimeouts.Step);
        }
    }

    [TestMethod]
    public async Task ClientCancellation_AfterHandlerStarted_HandlerTokenFiresAndClientSeesCancelled()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(unaryCall: async (_, context) =>
        {
            context.CancellationToken.Register(() => tokenFired.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new SimpleResponse();
        }));
        using var channel = host.CreateChannel();
        using var cancellation = new CancellationTokenSource();

        var call = new TestServiceClient(channel).UnaryCall(new SimpleRequest(), new CallOptions(CancellationToken: cancellation.Token));
        await started.Task.WaitAsync(WireTimeouts.Step);
        await cancellation.CancelAsync().WaitAsync(WireTimeouts.Step);

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => call.ResponseAsync.WaitAsync(WireTimeouts.Call));
        Assert.AreEqual(StatusCode.Cancelled, ex.StatusCode);
        await tokenFired.Task.WaitAsync(WireTimeouts.Step);
    }

    [TestMethod]
    public async Task ServerDeadline_HandlerFinishesInTime_CallSucceeds()
    {
        var seenDeadline = DateTime.MinValue;
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(unaryCall: (_, context) =>
        {
            seenDeadline = context.Deadline;
            return Task.FromResult(TestServiceDefinition.Response(3));
        }));
        using var channel = host.CreateChannel();
        var requested = DateTime.UtcNow.AddMinutes(1);

        var response = await new TestServiceClient(channel).UnaryCall(new SimpleRequest(), new CallOptions(Deadline: requested)).ResponseAsync.WaitAsync(WireTimeouts.Call);

        Assert.AreEqual(3, response.Payload.Body.Length);
        // The handler sees the client's deadline (give or take transit and rounding), not "none".
        Assert.IsLessThan(TimeSpan.FromSeconds(5), (seenDeadline - requested).Duration(), $"Handler saw {seenDeadline:O}, client asked for {requested:O}.");
    }

    private static ChatGrpc.Wire.Server.ServiceDefinition DeafHandler(TaskCompletionSource tokenFired, CancellationToken teardown) =>
        TestServiceDefinition.Create(unaryCall: async (_, context) =>
        {
            context.CancellationToken.Register(() => tokenFired.TrySetResult());
            // Deliberately deaf to the call's token; only the test's teardown may cut the sleep short.
            await Task.Delay(HandlerSleep, teardown);
            return new SimpleResponse();
        });
}
