using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Server;
using Google.Protobuf;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

/// <summary>gRPC-Web as a browser sends it, by hand: frames in the body, trailers as the last frame.</summary>
[TestClass]
public sealed class GrpcWebTests
{
    private const string Origin = "http://page.example";

    private static ServiceDefinition Service() => TestServiceDefinition.Create(
        unaryCall: (request, _) => request.ResponseStatus is { Code: not 0 } status
            ? throw new RpcException((StatusCode)status.Code, status.Message)
            : Task.FromResult(TestServiceDefinition.Response(request.ResponseSize)),
        streamingOutputCall: async (request, responses, context) =>
        {
            foreach (var parameters in request.ResponseParameters)
            {
                await responses.WriteAsync(new StreamingOutputCallResponse { Payload = TestServiceDefinition.Response(parameters.Size).Payload });
            }

            context.ResponseTrailers.Add("x-trailer", "last");
        });

    private static HttpRequestMessage WebRequest(Uri server, string path, string contentType, byte[] body, Version version)
    {
        var request = RawGrpc.Post(server, path, version, contentType, body);
        request.Headers.Remove("te");
        request.Headers.TryAddWithoutValidation("x-grpc-web", "1");
        request.Headers.TryAddWithoutValidation("Origin", Origin);
        return request;
    }

    private static byte[] StreamingRequest(params int[] sizes)
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(sizes.Select(size => new ResponseParameters { Size = size }));
        return WireFrames.Build(0, request.ToByteArray());
    }

    [TestMethod]
    [DataRow("1.1")]
    [DataRow("2.0")]
    public async Task GrpcWebBinary_ServerStreaming_MessageFramesThenTrailerFrame(string httpVersion)
    {
        await using var host = await WireTestHost.StartAsync(Service(), http1Listener: true);
        using var http = WireTestHost.CreateRawClient();
        var version = Version.Parse(httpVersion);
        var server = version == HttpVersion.Version20 ? host.Address : host.WebAddress;
        using var request = WebRequest(server, TestServiceDefinition.StreamingOutputCall.FullName, "application/grpc-web+proto", StreamingRequest(3, 5), version);

        var (response, body) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual(version, response.Version);
        Assert.AreEqual("application/grpc-web+proto", response.Content.Headers.ContentType?.MediaType);
        Assert.AreEqual("*", RawGrpc.Header(response, "Access-Control-Allow-Origin"));
        var exposed = RawGrpc.Header(response, "Access-Control-Expose-Headers") ?? "";
        Assert.Contains("grpc-status", exposed);
        Assert.Contains("grpc-message", exposed);

        var frames = WireFrames.Parse(body);
        Assert.HasCount(3, frames);
        Assert.AreEqual(0, frames[0].Flag);
        Assert.AreEqual(3, StreamingOutputCallResponse.Parser.ParseFrom(frames[0].Payload).Payload.Body.Length);
        Assert.AreEqual(0, frames[1].Flag);
        Assert.AreEqual(5, StreamingOutputCallResponse.Parser.ParseFrom(frames[1].Payload).Payload.Body.Length);
        Assert.AreEqual(0x80, frames[2].Flag);
        var trailers = WireFrames.ParseTrailerBlock(frames[2].Payload);
        Assert.AreEqual("0", trailers["grpc-status"]);
        Assert.AreEqual("last", trailers["x-trailer"]);
        Assert.IsNull(RawGrpc.Trailer(response, "grpc-status"), "gRPC-Web carries the status in the body, not in HTTP trailers.");
    }

    [TestMethod]
    public async Task GrpcWebText_Unary_Base64ResponseDecodesToMessageAndTrailerFrames()
    {
        await using var host = await WireTestHost.StartAsync(Service(), http1Listener: true);
        using var http = WireTestHost.CreateRawClient();
        var frame = WireFrames.Build(0, new SimpleRequest { ResponseSize = 7 }.ToByteArray());
        var body = Encoding.ASCII.GetBytes(Convert.ToBase64String(frame));
        using var request = WebRequest(host.WebAddress, TestServiceDefinition.UnaryCall.FullName, "application/grpc-web-text", body, HttpVersion.Version11);

        var (response, responseBody) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/grpc-web-text", response.Content.Headers.ContentType?.MediaType ?? "");
        var frames = WireFrames.Parse(DecodeBase64Chunks(Encoding.ASCII.GetString(responseBody)));
        Assert.HasCount(2, frames);
        Assert.AreEqual(0, frames[0].Flag);
        Assert.AreEqual(7, SimpleResponse.Parser.ParseFrom(frames[0].Payload).Payload.Body.Length);
        Assert.AreEqual(0x80, frames[1].Flag);
        Assert.AreEqual("0", WireFrames.ParseTrailerBlock(frames[1].Payload)["grpc-status"]);
    }

    [TestMethod]
    public async Task GrpcWeb_ErrorBeforeAnyMessage_TrailersOnlyInHeaders()
    {
        await using var host = await WireTestHost.StartAsync(Service(), http1Listener: true);
        using var http = WireTestHost.CreateRawClient();
        var frame = WireFrames.Build(0, new SimpleRequest { ResponseStatus = new EchoStatus { Code = 5, Message = "nothing here" } }.ToByteArray());
        using var request = WebRequest(host.WebAddress, TestServiceDefinition.UnaryCall.FullName, "application/grpc-web+proto", frame, HttpVersion.Version11);

        var (response, body) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("5", RawGrpc.Header(response, "grpc-status"));
        Assert.AreEqual("nothing here", RawGrpc.Header(response, "grpc-message"));
        Assert.IsEmpty(body, "A trailers-only response has no body at all.");
        Assert.Contains("grpc-status", RawGrpc.Header(response, "Access-Control-Expose-Headers") ?? "");
    }

    [TestMethod]
    public async Task GrpcWeb_Disabled_RefusedWithoutRunningHandler()
    {
        await using var host = await WireTestHost.StartAsync(Service(), grpc => grpc.EnableGrpcWeb = false, http1Listener: true);
        using var http = WireTestHost.CreateRawClient();
        var frame = WireFrames.Build(0, new SimpleRequest().ToByteArray());
        using var request = WebRequest(host.WebAddress, TestServiceDefinition.UnaryCall.FullName, "application/grpc-web+proto", frame, HttpVersion.Version11);

        var (response, body) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.IsEmpty(body);
    }

    /// <summary>Text mode encodes each flush separately; padding ends one chunk, so split after each run of '='.</summary>
    private static byte[] DecodeBase64Chunks(string text) =>
        Regex.Split(text, "(?<==)(?=[^=])").SelectMany(Convert.FromBase64String).ToArray();
}
