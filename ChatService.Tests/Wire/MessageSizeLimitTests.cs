using ChatGrpc.Interop;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class MessageSizeLimitTests
{
    [TestMethod]
    public async Task ServerMaxReceiveMessageSize_RequestOverLimit_ResourceExhaustedWithoutRunningHandler()
    {
        var handlerRan = false;
        await using var host = await WireTestHost.StartAsync(
            TestServiceDefinition.Create(unaryCall: (_, _) =>
            {
                handlerRan = true;
                return Task.FromResult(new SimpleResponse());
            }),
            grpc => grpc.MaxReceiveMessageSize = 1024);
        using var channel = host.CreateChannel();
        var client = new TestServiceClient(channel);

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => client.UnaryCall(TestServiceDefinition.Request(2048)).ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.IsFalse(handlerRan);

        // The same server still takes a request under the limit, so the limit is what refused the first.
        await client.UnaryCall(TestServiceDefinition.Request(900)).ResponseAsync.WaitAsync(WireTimeouts.Call);
        Assert.IsTrue(handlerRan);
    }

    [TestMethod]
    public async Task ServerMaxSendMessageSize_ResponseOverLimit_ResourceExhausted()
    {
        await using var host = await WireTestHost.StartAsync(
            TestServiceDefinition.Create(unaryCall: (request, _) => Task.FromResult(TestServiceDefinition.Response(request.ResponseSize))),
            grpc => grpc.MaxSendMessageSize = 1024);
        using var channel = host.CreateChannel();
        var client = new TestServiceClient(channel);

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => client.UnaryCall(new SimpleRequest { ResponseSize = 2048 }).ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.ResourceExhausted, ex.StatusCode);
        var small = await client.UnaryCall(new SimpleRequest { ResponseSize = 900 }).ResponseAsync.WaitAsync(WireTimeouts.Call);
        Assert.AreEqual(900, small.Payload.Body.Length);
    }

    [TestMethod]
    public async Task ClientMaxReceiveMessageSize_ResponseOverLimit_ResourceExhausted()
    {
        await using var host = await WireTestHost.StartAsync(
            TestServiceDefinition.Create(unaryCall: (request, _) => Task.FromResult(TestServiceDefinition.Response(request.ResponseSize))));
        using var channel = host.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });
        var client = new TestServiceClient(channel);

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => client.UnaryCall(new SimpleRequest { ResponseSize = 2048 }).ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.ResourceExhausted, ex.StatusCode);
        var small = await client.UnaryCall(new SimpleRequest { ResponseSize = 900 }).ResponseAsync.WaitAsync(WireTimeouts.Call);
        Assert.AreEqual(900, small.Payload.Body.Length);
    }

    [TestMethod]
    public async Task ClientMaxSendMessageSize_RequestOverLimit_ResourceExhaustedWithoutReachingServer()
    {
        var handlerRan = false;
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(unaryCall: (_, _) =>
        {
            handlerRan = true;
            return Task.FromResult(new SimpleResponse());
        }));
        using var channel = host.CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 1024 });

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => new TestServiceClient(channel).UnaryCall(TestServiceDefinition.Request(2048)).ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.IsFalse(handlerRan);
    }

    [TestMethod]
    public async Task ServerMaxReceiveMessageSize_StreamingRequestOverLimit_ResourceExhausted()
    {
        await using var host = await WireTestHost.StartAsync(
            TestServiceDefinition.Create(streamingInputCall: async (requests, context) =>
            {
                var total = 0;
                while (await requests.MoveNext(context.CancellationToken))
                {
                    total += requests.Current.Payload.Body.Length;
                }

                return new StreamingInputCallResponse { AggregatedPayloadSize = total };
            }),
            grpc => grpc.MaxReceiveMessageSize = 1024);
        using var channel = host.CreateChannel();
        using var call = new TestServiceClient(channel).StreamingInputCall();

        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = TestServiceDefinition.Request(500).Payload }).WaitAsync(WireTimeouts.Step);
        try
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = TestServiceDefinition.Request(4096).Payload }).WaitAsync(WireTimeouts.Step);
            await call.RequestStream.CompleteAsync().WaitAsync(WireTimeouts.Step);
        }
        catch (RpcException)
        {
            // The server may end the call before the client is done writing; the call's status below is the verdict.
        }

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => call.ResponseAsync.WaitAsync(WireTimeouts.Call));
        Assert.AreEqual(StatusCode.ResourceExhausted, ex.StatusCode);
    }
}
