using System.Net;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class CorsTests
{
    private const string Path = "/grpc.testing.TestService/UnaryCall";

    private static HttpRequestMessage Preflight(Uri server, string origin, string path = Path)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, new Uri(server, path)) { Version = HttpVersion.Version11 };
        request.Headers.TryAddWithoutValidation("Origin", origin);
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "content-type,x-grpc-web,x-user-agent");
        return request;
    }

    [TestMethod]
    public async Task Preflight_AnyOriginAllowed_NoContentWithAllowHeaders()
    {
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(), http1Listener: true);
        using var http = WireTestHost.CreateRawClient();
        using var request = Preflight(host.WebAddress, "http://page.example");

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual("*", RawGrpc.Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", RawGrpc.Header(response, "Access-Control-Allow-Methods") ?? "");
        var allowedHeaders = RawGrpc.Header(response, "Access-Control-Allow-Headers") ?? "";
        Assert.Contains("x-grpc-web", allowedHeaders);
        Assert.Contains("content-type", allowedHeaders);
    }

    [TestMethod]
    public async Task Preflight_RestrictedOrigins_ListedOriginEchoedWithVary()
    {
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(), Restrict, http1Listener: true);
        using var http = WireTestHost.CreateRawClient();
        using var request = Preflight(host.WebAddress, "https://allowed.example");

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual("https://allowed.example", RawGrpc.Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("Origin", RawGrpc.Header(response, "Vary") ?? "");
    }

    [TestMethod]
    public async Task Preflight_RestrictedOrigins_OtherOriginRefused()
    {
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(), Restrict, http1Listener: true);
        using var http = WireTestHost.CreateRawClient();
        using var request = Preflight(host.WebAddress, "https://evil.example");

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.IsNull(RawGrpc.Header(response, "Access-Control-Allow-Origin"));
        Assert.IsNull(RawGrpc.Header(response, "Access-Control-Allow-Methods"));
    }

    [TestMethod]
    public async Task Preflight_PathNoServiceServes_NotAnsweredAsGrpc()
    {
        await using var host = await WireTestHost.StartAsync(TestServiceDefinition.Create(), http1Listener: true);
        using var http = WireTestHost.CreateRawClient();
        using var request = Preflight(host.WebAddress, "http://page.example", "/not.a.Service/Method");

        var (response, _) = await RawGrpc.SendAsync(http, request);

        Assert.AreNotEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.IsNull(RawGrpc.Header(response, "Access-Control-Allow-Origin"));
    }

    private static void Restrict(ChatGrpc.Wire.Server.GrpcServerOptions options)
    {
        options.CorsAllowedOrigins.Clear();
        options.CorsAllowedOrigins.Add("https://allowed.example");
    }
}
