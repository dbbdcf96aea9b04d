using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatService.Tests.Chat;

/// <summary>Guarantee 8: a refused frame gets an error frame naming it, with a status code and a readable message, and the stream goes on.</summary>
[TestClass]
public sealed class ErrorHandlingTests
{
    [TestMethod]
    public async Task Send_ToRoomNotJoined_ErrorFrameNamesRequestAndStreamStaysOpen()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAsync(alice);

        var refused = await a.SendRawAsync(room, "too early", "cmid-early");
        await a.JoinAsync(room);
        var ack = await a.SendAsync(room, "now joined");

        Assert.AreEqual(ServerFrame.FrameOneofCase.Error, refused.FrameCase);
        Assert.AreEqual((int)StatusCode.FailedPrecondition, refused.Error.Code);
        Assert.AreEqual("cmid-early", refused.Error.ClientMsgId);
        StringAssert.Contains(refused.Error.Message, room);
        Assert.AreEqual(1UL, ack.Seq, "the refused send consumed no seq");
    }

    [TestMethod]
    [DataRow("", "text", "client_msg_id")]
    [DataRow("cmid", "", "text")]
    [DataRow("cmid", "   ", "text")]
    public async Task Send_InvalidInput_InvalidArgumentWithReason(string clientMsgId, string text, string mentioned)
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);

        var id = await a.SendFrameAsync(new ClientFrame { Send = new SendRequest { Room = room, Text = text, ClientMsgId = clientMsgId } });
        var reply = await a.ReplyAsync(id);

        Assert.AreEqual((int)StatusCode.InvalidArgument, reply.Error.Code);
        StringAssert.Contains(reply.Error.Message, mentioned == "text" ? "text" : mentioned);
    }

    [TestMethod]
    public async Task Send_TextOverLimit_InvalidArgumentNamesLimit()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Chat:MaxTextLength"] = "10" });
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);

        var reply = await a.SendRawAsync(room, new string('x', 11));

        Assert.AreEqual((int)StatusCode.InvalidArgument, reply.Error.Code);
        StringAssert.Contains(reply.Error.Message, "10");
    }

    [TestMethod]
    public async Task Send_OverRateLimit_ResourceExhaustedWithRetryAfter()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Chat:SendRate:PerSecond"] = "1",
            ["Chat:SendRate:Burst"] = "2",
        });
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var a = await server.ConnectAndJoinAsync(alice, room);

        await a.SendAsync(room, "1");
        await a.SendAsync(room, "2");
        var limited = await a.SendRawAsync(room, "3");

        Assert.AreEqual((int)StatusCode.ResourceExhausted, limited.Error.Code);
        Assert.IsNotNull(limited.Error.RetryAfter);
        Assert.IsTrue(limited.Error.RetryAfter.ToTimeSpan() > TimeSpan.Zero);
    }

    [TestMethod]
    public async Task Join_PrivateRoomAsNonMember_PermissionDeniedErrorFrame()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var mallory = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice, RoomKind.Private);
        await using var m = await server.ConnectAsync(mallory);

        var id = await m.SendFrameAsync(new ClientFrame { Join = new JoinRequest { Room = room } });
        var reply = await m.ReplyAsync(id);
        var history = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            server.Chat.HistoryAsync(new HistoryRequest { Room = room }, mallory.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual((int)StatusCode.PermissionDenied, reply.Error.Code);
        Assert.AreEqual(StatusCode.PermissionDenied, history.StatusCode);
    }

    [TestMethod]
    public async Task Join_UnknownRoomAndBadId_NotFoundAndInvalidArgument()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        await using var a = await server.ConnectAsync(alice);

        var missing = await a.ReplyAsync(await a.SendFrameAsync(new ClientFrame { Join = new JoinRequest { Room = "no-such-room" } }));
        var malformed = await a.ReplyAsync(await a.SendFrameAsync(new ClientFrame { Join = new JoinRequest { Room = "Bad Room!" } }));

        Assert.AreEqual((int)StatusCode.NotFound, missing.Error.Code);
        Assert.AreEqual((int)StatusCode.InvalidArgument, malformed.Error.Code);
    }

    [TestMethod]
    public async Task Register_TakenNameOrShortPassword_ClearErrors()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();

        var taken = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            server.Auth.RegisterAsync(new RegisterRequest { UserName = alice.Name.ToUpperInvariant(), Password = "long enough" }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));
        var weak = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            server.Auth.RegisterAsync(new RegisterRequest { UserName = "newuser", Password = "short" }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));
        var wrong = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            server.Auth.LoginAsync(new LoginRequest { UserName = alice.Name, Password = "wrong password" }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(StatusCode.AlreadyExists, taken.StatusCode);
        Assert.AreEqual(StatusCode.InvalidArgument, weak.StatusCode);
        Assert.AreEqual(StatusCode.Unauthenticated, wrong.StatusCode);
    }

    [TestMethod]
    public async Task Refresh_TokenUsedTwice_SecondUseRefused()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var request = new RefreshRequest { RefreshToken = alice.Tokens.RefreshToken };

        var first = await server.Auth.RefreshAsync(request, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        var again = await Assert.ThrowsExactlyAsync<RpcException>(() => server.Auth.RefreshAsync(request, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(alice.User.Id, first.User.Id);
        Assert.AreNotEqual(alice.Tokens.RefreshToken, first.Tokens.RefreshToken);
        Assert.AreEqual(StatusCode.Unauthenticated, again.StatusCode);
    }
}
