using ChatGrpc.Interop;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Server;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class ErrorStatusTests
{
    private const string Secret = "connection string leaked: pwd=hunter2";

    private static ServiceDefinition Throwing() =>
        TestServiceDefinition.Create(unaryCall: (_, _) => throw new InvalidOperationException(Secret));

    [TestMethod]
    public async Task HandlerException_DefaultOptions_UnknownWithGenericMessage()
    {
        await using var host = await WireTestHost.StartAsync(Throwing());
        using var channel = host.CreateChannel();

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => new TestServiceClient(channel).UnaryCall(new SimpleRequest()).ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("hunter2", ex.Status.Detail);
        Assert.AreNotEqual("", ex.Status.Detail, "A generic message still says what happened.");
    }

    [TestMethod]
    public async Task HandlerException_EnableDetailedErrors_MessageIncluded()
    {
        await using var host = await WireTestHost.StartAsync(Throwing(), grpc => grpc.EnableDetailedErrors = true);
        using var channel = host.CreateChannel();

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => new TestServiceClient(channel).UnaryCall(new SimpleRequest()).ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.Unknown, ex.StatusCode);
        Assert.Contains(Secret, ex.Status.Detail);
        Assert.Contains(nameof(InvalidOperationException), ex.Status.Detail);
    }

    [TestMethod]
    public async Task RpcExceptionWithTrailers_BeforeAnyMessage_ClientSeesStatusAndTrailers()
    {
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(unaryCall: (_, _) =>
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "quota ☺ used up"), Trailers())));
        using var channel = host.CreateChannel();
        var call = new TestServiceClient(channel).UnaryCall(new SimpleRequest());

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => call.ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.AreEqual("quota ☺ used up", ex.Status.Detail);
        AssertTrailers(ex.Trailers);
        AssertTrailers(call.GetTrailers());
    }

    [TestMethod]
    public async Task RpcExceptionWithTrailers_AfterAMessage_ClientSeesMessageThenStatusAndTrailers()
    {
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(streamingOutputCall: async (_, responses, _) =>
        {
            await responses.WriteAsync(new StreamingOutputCallResponse());
            throw new RpcException(new Status(StatusCode.Aborted, "second thoughts"), Trailers());
        }));
        using var channel = host.CreateChannel();
        using var call = new TestServiceClient(channel).StreamingOutputCall(new StreamingOutputCallRequest());

        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.Aborted, ex.StatusCode);
        Assert.AreEqual("second thoughts", ex.Status.Detail);
        AssertTrailers(ex.Trailers);
    }

    [TestMethod]
    public async Task UnaryRequest_ClientSendsNoMessage_Internal()
    {
        var handlerRan = false;
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(unaryCall: (_, _) =>
        {
            handlerRan = true;
            return Task.FromResult(new SimpleResponse());
        }));
        using var channel = host.CreateChannel();
        // Our channel lets any method be called as any kind; a client-streaming call that sends nothing is an empty unary request.
        using var call = channel.ClientStreamingCall(TestServiceDefinition.UnaryCall);

        await call.RequestStream.CompleteAsync().WaitAsync(WireTimeouts.Step);
        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => call.ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.Internal, ex.StatusCode);
        Assert.IsFalse(handlerRan);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "trailers-only")]
    [DataRow(true, DisplayName = "headers, then trailers")]
    public async Task UnaryResponse_ServerSendsNoMessage_ClientReportsInternal(bool headersFirst)
    {
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(streamingOutputCall: (_, _, context) =>
            headersFirst ? context.WriteResponseHeadersAsync(new Metadata()) : Task.CompletedTask));
        using var channel = host.CreateChannel();
        // Called as unary, a stream that ends with OK and no message breaks the unary contract.
        var call = channel.UnaryCall(TestServiceDefinition.StreamingOutputCall, new StreamingOutputCallRequest());

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => call.ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.Internal, ex.StatusCode);
        Assert.AreEqual(StatusCode.Internal, call.GetStatus().Code, "The call's recorded status must agree with the exception.");
    }

    private static Metadata Trailers() => new Metadata().Add("x-reason", "quota").Add("x-detail-bin", [0, 1, 2, 0xFF]);

    private static void AssertTrailers(Metadata trailers)
    {
        Assert.AreEqual("quota", trailers.GetValue("x-reason"));
        Assert.AreSequenceEqual(new byte[] { 0, 1, 2, 0xFF }, trailers.GetBytes("x-detail-bin")!);
    }
}
