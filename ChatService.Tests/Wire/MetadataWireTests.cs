using ChatGrpc.Interop;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class MetadataWireTests
{
    // Five bytes: the base64 form needs padding, which the wire form leaves off.
    private static readonly byte[] Blob = [0x00, 0x01, 0x02, 0xFE, 0xFF];

    [TestMethod]
    public async Task RequestMetadata_AsciiAndBinary_ReachTheHandler()
    {
        var seen = new TaskCompletionSource<Metadata>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(unaryCall: (_, context) =>
        {
            seen.TrySetResult(context.RequestHeaders);
            return Task.FromResult(new SimpleResponse());
        }));
        using var channel = host.CreateChannel();
        var headers = new Metadata().Add("x-trace-id", "abc-123").Add("X-Mixed-Case", "v").Add("x-blob-bin", Blob);

        await new TestServiceClient(channel).UnaryCall(new SimpleRequest(), new CallOptions(headers)).ResponseAsync.WaitAsync(WireTimeouts.Call);

        var received = await seen.Task.WaitAsync(WireTimeouts.Step);
        Assert.AreEqual("abc-123", received.GetValue("x-trace-id"));
        Assert.AreEqual("v", received.GetValue("x-mixed-case"));
        Assert.AreSequenceEqual(Blob, received.GetBytes("x-blob-bin")!);
        Assert.IsNull(received.Get("te"), "Protocol headers are not metadata.");
        Assert.IsNull(received.Get("content-type"), "Protocol headers are not metadata.");
    }

    [TestMethod]
    public async Task WriteResponseHeadersAsync_BeforeFirstMessage_ClientHasHeadersWhileHandlerWaits()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(streamingOutputCall: async (_, responses, context) =>
        {
            await context.WriteResponseHeadersAsync(new Metadata().Add("x-session", "s-42").Add("x-token-bin", Blob));
            await release.Task.WaitAsync(context.CancellationToken);
            await responses.WriteAsync(new StreamingOutputCallResponse());
        }));
        using var channel = host.CreateChannel();
        using var call = new TestServiceClient(channel).StreamingOutputCall(new StreamingOutputCallRequest());

        // The handler cannot have written a message yet: it is still waiting for the release.
        var headers = await call.ResponseHeadersAsync.WaitAsync(WireTimeouts.Call);

        Assert.AreEqual("s-42", headers.GetValue("x-session"));
        Assert.AreSequenceEqual(Blob, headers.GetBytes("x-token-bin")!);
        release.TrySetResult();
        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        Assert.IsFalse(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        Assert.AreEqual(StatusCode.OK, call.GetStatus().Code);
    }

    [TestMethod]
    public async Task WriteResponseHeadersAsync_DuplexBeforeAnyRequest_ClientHasHeaders()
    {
        // A chat session: the server greets with headers before the client has said anything.
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(fullDuplexCall: async (requests, responses, context) =>
        {
            await context.WriteResponseHeadersAsync(new Metadata().Add("x-session", "s-7"));
            while (await requests.MoveNext(context.CancellationToken))
            {
                await responses.WriteAsync(new StreamingOutputCallResponse());
            }
        }));
        using var channel = host.CreateChannel();
        using var call = new TestServiceClient(channel).FullDuplexCall();

        var headers = await call.ResponseHeadersAsync.WaitAsync(WireTimeouts.Call);

        Assert.AreEqual("s-7", headers.GetValue("x-session"));
        await call.RequestStream.WriteAsync(new StreamingOutputCallRequest()).WaitAsync(WireTimeouts.Step);
        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        await call.RequestStream.CompleteAsync().WaitAsync(WireTimeouts.Step);
        Assert.IsFalse(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
    }

    [TestMethod]
    public async Task ResponseTrailers_SetByHandler_ReachTheClientAfterSuccess()
    {
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(unaryCall: (_, context) =>
        {
            context.ResponseTrailers.Add("x-cost", "3").Add("x-audit-bin", Blob);
            return Task.FromResult(new SimpleResponse());
        }));
        using var channel = host.CreateChannel();
        var call = new TestServiceClient(channel).UnaryCall(new SimpleRequest());

        await call.ResponseAsync.WaitAsync(WireTimeouts.Call);

        Assert.AreEqual("3", call.GetTrailers().GetValue("x-cost"));
        Assert.AreSequenceEqual(Blob, call.GetTrailers().GetBytes("x-audit-bin")!);
    }
}
