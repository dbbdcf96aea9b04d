using System.IO.Compression;
using ChatGrpc.Interop;
using ChatGrpc.Wire.Client;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class CompressionTests
{
    private static ChatGrpc.Wire.Server.ServiceDefinition SizedResponses() =>
        TestServiceDefinition.Create(unaryCall: (request, _) => Task.FromResult(TestServiceDefinition.Response(request.ResponseSize)));

    [TestMethod]
    public async Task ServerResponseCompressionGzip_RawClientAcceptingGzip_GetsGzipFrame()
    {
        await using var host = await WireTestHost.StartAsync(SizedResponses(), grpc => grpc.ResponseCompression = "gzip");
        using var http = WireTestHost.CreateRawClient();
        using var request = RawGrpc.PostUnary(host.Address, TestServiceDefinition.UnaryCall.FullName, new SimpleRequest { ResponseSize = 5000 });
        request.Headers.TryAddWithoutValidation("grpc-accept-encoding", "identity,gzip");

        var (response, body) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual("0", RawGrpc.Status(response));
        Assert.AreEqual("gzip", RawGrpc.Header(response, "grpc-encoding"));
        var frame = WireFrames.Parse(body).Single();
        Assert.AreEqual(1, frame.Flag, "The message must be marked compressed.");
        using var gunzip = new GZipStream(new MemoryStream(frame.Payload), CompressionMode.Decompress);
        using var inflated = new MemoryStream();
        await gunzip.CopyToAsync(inflated).WaitAsync(WireTimeouts.Step);
        Assert.AreEqual(5000, SimpleResponse.Parser.ParseFrom(inflated.ToArray()).Payload.Body.Length);
    }

    [TestMethod]
    public async Task ServerResponseCompressionGzip_ClientNotAcceptingGzip_GetsIdentity()
    {
        await using var host = await WireTestHost.StartAsync(SizedResponses(), grpc => grpc.ResponseCompression = "gzip");
        using var http = WireTestHost.CreateRawClient();
        using var request = RawGrpc.PostUnary(host.Address, TestServiceDefinition.UnaryCall.FullName, new SimpleRequest { ResponseSize = 100 });
        request.Headers.TryAddWithoutValidation("grpc-accept-encoding", "identity");

        var (response, body) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual("0", RawGrpc.Status(response));
        Assert.IsNull(RawGrpc.Header(response, "grpc-encoding"));
        var frame = WireFrames.Parse(body).Single();
        Assert.AreEqual(0, frame.Flag);
        Assert.AreEqual(100, SimpleResponse.Parser.ParseFrom(frame.Payload).Payload.Body.Length);
    }

    [TestMethod]
    public async Task ServerResponseCompressionGzip_OurClient_DecodesResponse()
    {
        await using var host = await WireTestHost.StartAsync(SizedResponses(), grpc => grpc.ResponseCompression = "gzip");
        using var channel = host.CreateChannel();

        var call = new TestServiceClient(channel).UnaryCall(new SimpleRequest { ResponseSize = 5000 });
        var response = await call.ResponseAsync.WaitAsync(WireTimeouts.Call);

        Assert.AreEqual(5000, response.Payload.Body.Length);
        Assert.IsTrue(response.Payload.Body.All(b => b == 0));
    }

    [TestMethod]
    public async Task ClientRequestCompressionGzip_HandlerSeesCompressedMessage()
    {
        var compressed = false;
        string? encoding = null;
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(unaryCall: (request, context) =>
        {
            compressed = context.RequestMessageCompressed;
            encoding = context.RequestEncoding;
            return Task.FromResult(TestServiceDefinition.Response(request.Payload.Body.Length));
        }));
        using var channel = host.CreateChannel();

        var response = await new TestServiceClient(channel).UnaryCall(TestServiceDefinition.Request(3000), new CallOptions(Compression: "gzip")).ResponseAsync.WaitAsync(WireTimeouts.Call);

        Assert.AreEqual(3000, response.Payload.Body.Length);
        Assert.IsTrue(compressed);
        Assert.AreEqual("gzip", encoding);
    }
}
