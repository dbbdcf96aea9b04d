using System.Net;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

/// <summary>Requests a gRPC client would never send, made by hand, and how the server refuses them.</summary>
[TestClass]
public sealed class ProtocolRejectionTests
{
    private int _handlerRuns;

    private ChatGrpc.Wire.Server.ServiceDefinition CountingService() =>
        TestServiceDefinition.Create(unaryCall: (_, _) =>
        {
            Interlocked.Increment(ref _handlerRuns);
            return Task.FromResult(new SimpleResponse());
        });

    [TestMethod]
    public async Task UnsupportedGrpcEncoding_Snappy_UnimplementedWithAcceptEncoding()
    {
        await using var host = await WireTestHost.StartAsync(CountingService());
        using var http = WireTestHost.CreateRawClient();
        using var request = RawGrpc.PostUnary(host.Address, "/grpc.testing.TestService/UnaryCall", new SimpleRequest());
        request.Headers.TryAddWithoutValidation("grpc-encoding", "snappy");

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("12", RawGrpc.Status(response));
        var accepted = RawGrpc.Header(response, "grpc-accept-encoding");
        Assert.IsNotNull(accepted, "The client needs to learn which encodings it may use instead.");
        Assert.Contains("gzip", accepted);
        Assert.AreEqual(0, _handlerRuns);
    }

    [TestMethod]
    public async Task NativeGrpc_OverHttp11_Http426()
    {
        await using var host = await WireTestHost.StartAsync(CountingService(), http1Listener: true);
        using var http = WireTestHost.CreateRawClient();
        using var request = RawGrpc.PostUnary(host.WebAddress, "/grpc.testing.TestService/UnaryCall", new SimpleRequest(), HttpVersion.Version11);

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.AreEqual(0, _handlerRuns);
    }

    [TestMethod]
    public async Task NativeGrpc_GetInsteadOfPost_Http405WithAllowPost()
    {
        await using var host = await WireTestHost.StartAsync(CountingService());
        using var http = WireTestHost.CreateRawClient();
        using var request = RawGrpc.PostUnary(host.Address, "/grpc.testing.TestService/UnaryCall", new SimpleRequest());
        request.Method = HttpMethod.Get;

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.AreEqual("POST", RawGrpc.Header(response, "Allow"));
        Assert.AreEqual(0, _handlerRuns);
    }

    [TestMethod]
    public async Task UnknownMethodOfKnownService_UnimplementedNamingThePath()
    {
        await using var host = await WireTestHost.StartAsync(CountingService());
        using var http = WireTestHost.CreateRawClient();
        using var request = RawGrpc.PostUnary(host.Address, "/grpc.testing.TestService/NoSuchCall", new SimpleRequest());

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual("12", RawGrpc.Status(response));
        Assert.Contains("NoSuchCall", Uri.UnescapeDataString(RawGrpc.Header(response, "grpc-message") ?? ""));
    }

    [TestMethod]
    public async Task UnaryRequest_WithNoMessage_Internal()
    {
        await using var host = await WireTestHost.StartAsync(CountingService());
        using var http = WireTestHost.CreateRawClient();
        using var request = RawGrpc.Post(host.Address, "/grpc.testing.TestService/UnaryCall", HttpVersion.Version20, "application/grpc", []);

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual("13", RawGrpc.Status(response));
        Assert.AreEqual(0, _handlerRuns);
    }

    [TestMethod]
    public async Task UnaryRequest_WithTwoMessages_Internal()
    {
        await using var host = await WireTestHost.StartAsync(CountingService());
        using var http = WireTestHost.CreateRawClient();
        var frame = WireFrames.Build(0, []);
        using var request = RawGrpc.Post(host.Address, "/grpc.testing.TestService/UnaryCall", HttpVersion.Version20, "application/grpc", WireFrames.Concat(frame, frame));

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual("13", RawGrpc.Status(response));
        Assert.AreEqual(0, _handlerRuns);
    }

    [TestMethod]
    public async Task NonGrpcContentType_PassesThroughToTheRestOfThePipeline()
    {
        await using var host = await WireTestHost.StartAsync(CountingService());
        using var http = WireTestHost.CreateRawClient();
        using var request = RawGrpc.Post(host.Address, "/grpc.testing.TestService/UnaryCall", HttpVersion.Version20, "application/json", "{}"u8.ToArray());

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        Assert.IsNull(RawGrpc.Status(response));
    }
}
