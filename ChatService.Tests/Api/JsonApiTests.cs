using System.Net;
using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using Grpc.Core;

namespace ChatService.Tests.Api;

/// <summary>
/// The REST/JSON API transcoded from the google.api.http rules in protos/: called with a plain HttpClient
/// on the web port, checked against what gRPC clients of the same server see.
/// </summary>
[TestClass]
public sealed class JsonApiTests
{
    [TestMethod]
    public async Task Send_OverJson_StoredOnceAndDeliveredToStreams()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var json = new JsonApi(server.WebPort);
        var bot = "bot" + Guid.NewGuid().ToString("N")[..8];
        var token = await json.RegisterAsync(bot);
        var created = await json.PostAsync("/v1/rooms", """{"id":"deploys","title":"Deploys","kind":"ROOM_KIND_PUBLIC"}""", token);
        created.AssertOk();
        Assert.AreEqual("ROOM_KIND_PUBLIC", created.Body!["room"]!["kind"]!.GetValue<string>());
        var alice = await server.RegisterAsync();
        await using var stream = await server.ConnectAndJoinAsync(alice, "deploys");

        var sent = await json.PostAsync("/v1/rooms/deploys/messages", """{"clientMsgId":"deploy-42","text":"deploy done ✅"}""", token);

        sent.AssertOk();
        var ack = sent.Body!["ack"]!;
        Assert.AreEqual("deploy-42", ack["clientMsgId"]!.GetValue<string>());
        Assert.IsFalse(ack["duplicate"]!.GetValue<bool>());
        var seq = ulong.Parse(ack["seq"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var live = await stream.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Message);
        Assert.AreEqual("deploy done ✅", live.Message.Text, "a JSON send fans out to the room's streams like any other");
        Assert.AreEqual(seq, live.Message.Seq);
        Assert.AreEqual(bot, live.Message.SenderName);
        var history = await json.GetAsync("/v1/rooms/deploys/messages?limit=10", token);
        history.AssertOk();
        var messages = history.Body!["messages"]!.AsArray();
        Assert.HasCount(1, messages);
        Assert.AreEqual("deploy done ✅", messages[0]!["text"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Send_SameClientMsgIdTwice_SameSeqOnceStoredAndOtherTextRefused()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var json = new JsonApi(server.WebPort);
        var owner = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(owner);
        var token = owner.Tokens.AccessToken;
        const string Body = """{"clientMsgId":"retry-1","text":"once"}""";

        var first = await json.PostAsync($"/v1/rooms/{room}/messages", Body, token);
        // Field names as in the proto work too, as protobuf's JSON mapping allows.
        var retry = await json.PostAsync($"/v1/rooms/{room}/messages", """{"client_msg_id":"retry-1","text":"once"}""", token);
        var conflict = await json.PostAsync($"/v1/rooms/{room}/messages", """{"clientMsgId":"retry-1","text":"another"}""", token);

        first.AssertOk();
        retry.AssertOk();
        Assert.AreEqual(first.Body!["ack"]!["seq"]!.ToString(), retry.Body!["ack"]!["seq"]!.ToString());
        Assert.IsTrue(retry.Body["ack"]!["duplicate"]!.GetValue<bool>());
        StringAssert.Contains(conflict.AssertError(HttpStatusCode.Conflict, StatusCode.AlreadyExists), "different text");
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, owner.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        Assert.HasCount(1, history.Messages, "a retried send is stored once");
    }

    [TestMethod]
    public async Task Calls_WithoutOrWithBadToken_Http401WithReadableMessage()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var json = new JsonApi(server.WebPort);

        var missing = await json.GetAsync("/v1/rooms");
        var forged = await json.GetAsync("/v1/rooms", "not-a-token");

        StringAssert.Contains(missing.AssertError(HttpStatusCode.Unauthorized, StatusCode.Unauthenticated), "Bearer");
        Assert.AreEqual("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        forged.AssertError(HttpStatusCode.Unauthorized, StatusCode.Unauthenticated);
    }

    [TestMethod]
    public async Task Errors_MapToHttpStatuses_WithTheSameMessagesAsGrpc()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var json = new JsonApi(server.WebPort);
        var owner = await server.RegisterAsync();
        var outsider = await server.RegisterAsync();
        var secret = await server.CreateRoomAsync(owner, RoomKind.Private);
        var token = outsider.Tokens.AccessToken;

        var unknown = await json.GetAsync("/v1/rooms/no-such-room/messages", token);
        var tooLong = await json.PostAsync($"/v1/rooms/{secret}/messages", $$"""{"clientMsgId":"x","text":"{{new string('a', 5000)}}"}""", token);
        var notMember = await json.PostAsync($"/v1/rooms/{secret}/messages", """{"clientMsgId":"y","text":"let me in"}""", token);
        var malformed = await json.PostAsync($"/v1/rooms/{secret}/messages", """{"clientMsgId":""", token);
        var notAdmin = await json.GetAsync("/v1/admin/stats", token);

        StringAssert.Contains(unknown.AssertError(HttpStatusCode.NotFound, StatusCode.NotFound), "does not exist");
        var lengthMessage = tooLong.AssertError(HttpStatusCode.BadRequest, StatusCode.InvalidArgument);
        StringAssert.Contains(lengthMessage, "limit is 4000");
        Assert.IsLessThan(200, lengthMessage.Length, "the refusal does not echo the text");
        StringAssert.Contains(notMember.AssertError(HttpStatusCode.Forbidden, StatusCode.PermissionDenied), "not a member");
        malformed.AssertError(HttpStatusCode.BadRequest, StatusCode.InvalidArgument);
        StringAssert.Contains(notAdmin.AssertError(HttpStatusCode.Forbidden, StatusCode.PermissionDenied), "needs the admin role");
        var grpc = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            server.Chat.SendAsync(new SendRequest { Room = secret, ClientMsgId = "z", Text = "let me in" }, outsider.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));
        Assert.AreEqual(notMember.Body!["message"]!.GetValue<string>(), grpc.Status.Detail, "one message, whichever way the call came");
    }

    [TestMethod]
    public async Task RoomsMembersAndDirect_OverJson_ShowWhatGrpcShows()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var json = new JsonApi(server.WebPort);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice, RoomKind.Private, bob.Name);

        var rooms = await json.GetAsync("/v1/rooms?includePublic=true", bob.Tokens.AccessToken);
        var members = await json.GetAsync($"/v1/rooms/{room}/members", bob.Tokens.AccessToken);
        var direct = await json.PostAsync($"/v1/direct/{alice.Name}", null, bob.Tokens.AccessToken);

        rooms.AssertOk();
        CollectionAssert.Contains(rooms.Body!["rooms"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToList(), room);
        members.AssertOk();
        CollectionAssert.AreEquivalent(new[] { alice.Name, bob.Name }, members.Body!["members"]!.AsArray().Select(m => m!["userName"]!.GetValue<string>()).ToList());
        direct.AssertOk();
        Assert.AreEqual("ROOM_KIND_DIRECT", direct.Body!["room"]!["kind"]!.GetValue<string>());
        var grpcDirect = await server.Chat.OpenDirectAsync(new OpenDirectRequest { UserName = bob.Name }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        Assert.AreEqual(grpcDirect.Room.Id, direct.Body["room"]!["id"]!.GetValue<string>(), "both ways reach the same direct room");
    }

    [TestMethod]
    public async Task AdminCalls_OverJson_NotifyAndKickReachTheUsersStreams()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var json = new JsonApi(server.WebPort);
        var admin = await server.LoginAdminAsync();
        var alice = await server.RegisterAsync();
        await using var device = await server.ConnectAsync(alice);

        var notified = await json.PostAsync($"/v1/admin/users/{alice.Name}/notify", """{"title":"Maintenance","body":"at 22:00"}""", admin.Tokens.AccessToken);
        var note = await device.WaitForAsync(f => f.FrameCase == ServerFrame.FrameOneofCase.Notification);
        var stats = await json.GetAsync("/v1/admin/stats", admin.Tokens.AccessToken);
        var kicked = await json.PostAsync($"/v1/admin/users/{alice.Name}/kick", """{"reason":"spam"}""", admin.Tokens.AccessToken);
        var end = await device.WaitForEndAsync();

        notified.AssertOk();
        Assert.AreEqual(1, notified.Body!["connections"]!.GetValue<int>());
        Assert.AreEqual("at 22:00", note.Notification.Body);
        stats.AssertOk();
        Assert.IsGreaterThanOrEqualTo(1, stats.Body!["connections"]!.GetValue<int>());
        kicked.AssertOk();
        Assert.AreEqual(StatusCode.PermissionDenied, end.StatusCode);
        StringAssert.Contains(end.Detail, "spam");
    }

    [TestMethod]
    public async Task AuthCalls_OverJson_LoginRefreshAndLogout()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var json = new JsonApi(server.WebPort);
        var name = "carol" + Guid.NewGuid().ToString("N")[..6];
        await json.RegisterAsync(name);

        var login = await json.PostAsync("/v1/auth/login", $$"""{"userName":"{{name}}","password":"password-{{name}}"}""");
        login.AssertOk();
        var refreshToken = login.Body!["tokens"]!["refreshToken"]!.GetValue<string>();
        var refreshed = await json.PostAsync("/v1/auth/refresh", $$"""{"refreshToken":"{{refreshToken}}"}""");
        refreshed.AssertOk();
        var next = refreshed.Body!["tokens"]!["refreshToken"]!.GetValue<string>();
        var loggedOut = await json.PostAsync("/v1/auth/logout", $$"""{"refreshToken":"{{next}}"}""");
        var afterLogout = await json.PostAsync("/v1/auth/refresh", $$"""{"refreshToken":"{{next}}"}""");

        loggedOut.AssertOk();
        afterLogout.AssertError(HttpStatusCode.Unauthorized, StatusCode.Unauthenticated);
        var wrong = await json.PostAsync("/v1/auth/login", $$"""{"userName":"{{name}}","password":"wrong-password"}""");
        wrong.AssertError(HttpStatusCode.Unauthorized, StatusCode.Unauthenticated);
    }

    [TestMethod]
    public async Task OpenApiDocument_NoToken_DescribesEveryRouteWithTheProtoComments()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var json = new JsonApi(server.WebPort);

        var document = await json.GetAsync("/openapi/v1.json");

        document.AssertOk();
        var paths = document.Body!["paths"]!.AsObject();
        var send = paths["/v1/rooms/{room}/messages"]!;
        Assert.IsNotNull(send["post"], "Send");
        Assert.IsNotNull(send["get"], "History");
        foreach (var route in new[] { "/v1/auth/login", "/v1/rooms", "/v1/rooms/{room}/members", "/v1/direct/{userName}", "/v1/admin/broadcast", "/v1/admin/users/{userName}/kick", "/v1/admin/stats" })
        {
            Assert.IsTrue(paths.ContainsKey(route), $"{route} is described");
        }

        StringAssert.Contains(send["get"]!["summary"]?.GetValue<string>() ?? send["get"]!["description"]!.GetValue<string>(), "oldest first", "proto comments become descriptions");
        Assert.AreEqual("bearer", document.Body["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task OpenApiPage_NoToken_ServesTheSwaggerUiPointingAtTheDocument()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.WebPort}"), Timeout = ChatServerHost.Timeout };

        using var page = await http.GetAsync("/openapi/index.html");
        using var settings = await http.GetAsync("/openapi/index.js");

        Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
        StringAssert.Contains(await page.Content.ReadAsStringAsync(), "swagger-ui");
        Assert.AreEqual(HttpStatusCode.OK, settings.StatusCode);
        StringAssert.Contains(await settings.Content.ReadAsStringAsync(), "/openapi/v1.json");
    }
}
