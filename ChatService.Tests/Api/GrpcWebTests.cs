using System.Net;
using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;

namespace ChatService.Tests.Api;

/// <summary>The browser port: gRPC-Web in both encodings over HTTP/1.1, and CORS for pages served elsewhere.</summary>
[TestClass]
public sealed class GrpcWebTests
{
    [TestMethod]
    [DataRow(GrpcWebMode.GrpcWebText)]
    [DataRow(GrpcWebMode.GrpcWeb)]
    public async Task Subscribe_OverGrpcWeb_WelcomeThenTheRoomsMessages(GrpcWebMode mode)
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        using var web = GrpcChannel.ForAddress($"http://127.0.0.1:{server.WebPort}", new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(mode, new SocketsHttpHandler()),
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        var chat = new ChatServiceClient(web);

        using var subscription = chat.Subscribe(new SubscribeRequest(), alice.Options(deadline: false));
        Assert.IsTrue(await subscription.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));
        var sessionId = subscription.ResponseStream.Current.Welcome.SessionId;
        await chat.JoinAsync(new JoinRequest { SessionId = sessionId, Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        var ack = await chat.SendAsync(new SendRequest { SessionId = sessionId, Room = room, ClientMsgId = "w1", Text = "from a browser" }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        ChatMessage? received = null;
        while (received is null && await subscription.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout))
        {
            received = subscription.ResponseStream.Current.Message;
        }

        Assert.AreEqual(1UL, ack.Ack.Seq);
        Assert.AreEqual("from a browser", received?.Text);
    }

    [TestMethod]
    public async Task UnaryCall_OverGrpcWebWithoutToken_UnauthenticatedWithReadableMessage()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var web = GrpcChannel.ForAddress($"http://127.0.0.1:{server.WebPort}", new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWebText, new SocketsHttpHandler()),
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });

        var error = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            new ChatServiceClient(web).ListRoomsAsync(new ListRoomsRequest(), ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(StatusCode.Unauthenticated, error.StatusCode);
        StringAssert.Contains(error.Status.Detail, "access token");
    }

    [TestMethod]
    public async Task Preflight_FromAnotherOrigin_AllowsPostWithGrpcWebHeaders()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var http = new HttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"http://127.0.0.1:{server.WebPort}/chat.v1.AuthService/Login");
        preflight.Headers.Add("Origin", "https://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-grpc-web,authorization");

        using var response = await http.SendAsync(preflight).WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual("*", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Origin")));
        StringAssert.Contains(string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant(), "x-grpc-web");
    }

    [TestMethod]
    public async Task GrpcWebCall_FromListedOrigin_ExposesGrpcStatusToThePage()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Endpoints:CorsOrigins:0"] = "https://app.example" });
        using var http = new HttpClient();
        using var call = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{server.WebPort}/chat.v1.ChatService/ListRooms")
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        call.Content.Headers.ContentType = new("application/grpc-web+proto");
        call.Headers.Add("Origin", "https://app.example");
        call.Headers.Add("X-Grpc-Web", "1");

        using var response = await http.SendAsync(call).WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual("https://app.example", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Origin")));
        var exposed = string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers")).ToLowerInvariant();
        foreach (var header in new[] { "grpc-status", "grpc-message", "grpc-encoding" })
        {
            StringAssert.Contains(exposed, header);
        }
    }

    [TestMethod]
    public async Task Preflight_FromUnlistedOrigin_NotAllowed()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Endpoints:CorsOrigins:0"] = "https://app.example" });
        using var http = new HttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"http://127.0.0.1:{server.WebPort}/chat.v1.AuthService/Login");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await http.SendAsync(preflight).WaitAsync(ChatServerHost.Timeout);

        Assert.IsFalse(response.Headers.Contains("Access-Control-Allow-Origin"), "an unlisted origin must not be allowed");
    }
}
