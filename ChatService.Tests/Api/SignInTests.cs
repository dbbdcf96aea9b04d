using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using Grpc.Core;

namespace ChatService.Tests.Api;

/// <summary>
/// Each login is a sign-in: a family of refresh tokens and the access tokens and streams they carry.
/// A replayed refresh token (a stolen copy) and a logout end that sign-in everywhere, and only it.
/// </summary>
[TestClass]
public sealed class SignInTests
{
    [TestMethod]
    public async Task Refresh_RotatedOutTokenReplayed_EndsTheWholeSignIn()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var otherDevice = await LoginAsync(server, alice.Name);
        await using var stolen = await server.ConnectAsync(alice);
        await using var untouched = await server.ConnectAsync(otherDevice);

        var rotated = await RefreshAsync(server, alice.Tokens.RefreshToken);
        var replay = await Assert.ThrowsExactlyAsync<RpcException>(() => RefreshAsync(server, alice.Tokens.RefreshToken));
        var thiefNext = await Assert.ThrowsExactlyAsync<RpcException>(() => RefreshAsync(server, rotated.Tokens.RefreshToken));
        var ended = await stolen.WaitForEndAsync();
        var newCall = await Assert.ThrowsExactlyAsync<RpcException>(() => server.Chat.ListRoomsAsync(
            new ListRoomsRequest(), new TestUser(rotated.User, rotated.Tokens).Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));
        var ping = await untouched.ReplyAsync(await untouched.SendFrameAsync(new ClientFrame { Ping = new Ping { Nonce = 7 } }));

        Assert.AreEqual(StatusCode.Unauthenticated, replay.StatusCode);
        StringAssert.Contains(replay.Status.Detail, "already used");
        Assert.AreEqual(StatusCode.Unauthenticated, thiefNext.StatusCode, "the newer token of the family is revoked too");
        Assert.AreEqual(StatusCode.Unauthenticated, ended.StatusCode);
        StringAssert.Contains(ended.Detail, "used twice");
        Assert.AreEqual(StatusCode.Unauthenticated, newCall.StatusCode, "the family's unexpired access tokens are refused");
        StringAssert.Contains(newCall.Status.Detail, "sign-in has ended");
        Assert.AreEqual(7UL, ping.Pong.Nonce, "another sign-in of the same user is not touched");
        Assert.IsNull(untouched.EndStatus);
    }

    [TestMethod]
    public async Task Logout_OneSignIn_EndsItsStreamAndTokensOnly()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var laptop = await LoginAsync(server, alice.Name);
        await using var phone = await server.ConnectAsync(alice);
        await using var desk = await server.ConnectAsync(laptop);

        await server.Auth.LogoutAsync(new LogoutRequest { RefreshToken = alice.Tokens.RefreshToken }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        var ended = await phone.WaitForEndAsync();
        var refresh = await Assert.ThrowsExactlyAsync<RpcException>(() => RefreshAsync(server, alice.Tokens.RefreshToken));
        var again = await server.Auth.LogoutAsync(new LogoutRequest { RefreshToken = alice.Tokens.RefreshToken }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        var stillIn = await RefreshAsync(server, laptop.Tokens.RefreshToken);

        Assert.AreEqual(StatusCode.Unauthenticated, ended.StatusCode);
        StringAssert.Contains(ended.Detail, "Logged out");
        Assert.AreEqual(StatusCode.Unauthenticated, refresh.StatusCode);
        Assert.IsNotNull(again, "logging out twice is not an error");
        Assert.AreEqual(alice.User.Id, stillIn.User.Id);
        Assert.IsNull(desk.EndStatus);
    }

    private static async Task<TestUser> LoginAsync(ChatServerHost server, string name)
    {
        var response = await server.Auth.LoginAsync(new LoginRequest { UserName = name, Password = "password-" + name }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        return new TestUser(response.User, response.Tokens);
    }

    private static async Task<RefreshResponse> RefreshAsync(ChatServerHost server, string refreshToken) =>
        await server.Auth.RefreshAsync(new RefreshRequest { RefreshToken = refreshToken }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
}
