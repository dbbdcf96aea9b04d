using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace ChatService.Tests.Api;

/// <summary>
/// Deadlines the server enforces by itself (the client sends grpc-timeout and keeps no timer),
/// cancellation, and the message size limit. Repeated, because the failures they guard against were races.
/// </summary>
[TestClass]
public sealed class DeadlineAndLimitTests
{
    private const int Tries = 20;

    [TestMethod]
    public async Task Connect_ServerEnforcedDeadline_AlwaysDeadlineExceeded()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        var join = new ClientFrame { RequestId = "j", Join = new JoinRequest { Room = room } };

        var outcomes = await FrameLevelCallAsync(server, "/chat.v1.ChatService/Connect", join, alice, "200m", holdOpen: true);

        var wrong = outcomes.Where(o => !o.Contains("grpc-status=4 ", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(0, wrong.Count, "streams not ended with DEADLINE_EXCEEDED: " + string.Join("; ", wrong));
        Assert.IsTrue(outcomes.All(o => !o.Contains("messages=0 ", StringComparison.Ordinal)), "each stream was welcomed before its deadline: " + string.Join("; ", outcomes));
    }

    [TestMethod]
    public async Task History_OneMillisecondDeadline_DeadlineExceededOrAnswerNeverAReset()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using (var connection = await server.ConnectAndJoinAsync(alice, room))
        {
            for (var i = 0; i < 50; i++)
            {
                await connection.SendAsync(room, $"message {i}");
            }
        }

        var outcomes = await FrameLevelCallAsync(server, "/chat.v1.ChatService/History", new HistoryRequest { Room = room, Limit = 100 }, alice, "1m", holdOpen: false);

        var wrong = outcomes.Where(o => !o.Contains("grpc-status=4 ", StringComparison.Ordinal) && !o.Contains("grpc-status=0 messages=1 ", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(0, wrong.Count, "History calls that ended otherwise: " + string.Join("; ", wrong));
    }

    /// <summary>
    /// Calls through Peers/h2_grpc_call.py: HTTP/2 frames with python3-h2 and no gRPC library, so no
    /// client-side timer can end the call first. One outcome line per try.
    /// </summary>
    private static async Task<IReadOnlyList<string>> FrameLevelCallAsync(ChatServerHost server, string path, IMessage request, TestUser user, string timeout, bool holdOpen)
    {
        List<string> arguments =
        [
            Path.Combine(RepoPaths.Peers, "h2_grpc_call.py"), $"--port={server.GrpcPort}", $"--path={path}",
            $"--message-hex={Convert.ToHexString(request.ToByteArray())}", $"--token={user.Tokens.AccessToken}",
            $"--timeout={timeout}", $"--tries={Tries}",
        ];
        if (holdOpen)
        {
            arguments.Add("--hold-open");
        }

        var (exitCode, output) = await PeerProcess.RunAsync("/usr/bin/python3", [.. arguments], TimeSpan.FromSeconds(90));
        Assert.AreEqual(0, exitCode, output);
        var outcomes = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("try=", StringComparison.Ordinal)).Select(l => l + " ").ToList();
        Assert.AreEqual(Tries, outcomes.Count, output);
        return outcomes;
    }

    [TestMethod]
    public async Task Connect_ClientCancelsMidStream_ServerLogsNoError()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        for (var i = 0; i < 10; i++)
        {
            using var cancel = new CancellationTokenSource();
            using var call = server.Chat.Connect(new CallOptions(alice.Headers, cancellationToken: cancel.Token));
            await call.RequestStream.WriteAsync(new ClientFrame { RequestId = "j", Join = new JoinRequest { Room = room } }).WaitAsync(ChatServerHost.Timeout);
            Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));
            await cancel.CancelAsync();
        }

        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);
        await Task.Delay(200);

        Assert.AreEqual(0, history.Messages.Count);
        Assert.AreEqual(0, server.Logs.Errors.Count, "errors logged: " + string.Join("; ", server.Logs.Errors));
    }

    [TestMethod]
    public async Task Connect_FrameOverMaxMessageBytes_ResourceExhaustedAndNothingStored()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Endpoints:MaxMessageBytes"] = "4096" });
        var alice = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        var connection = await server.ConnectAndJoinAsync(alice, room);

        await connection.SendFrameAsync(new ClientFrame { Send = new SendRequest { Room = room, ClientMsgId = "big", Text = new string('x', 5000) } });
        var status = await connection.WaitForEndAsync();
        var history = await server.Chat.HistoryAsync(new HistoryRequest { Room = room }, alice.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

        Assert.AreEqual(StatusCode.ResourceExhausted, status.StatusCode);
        Assert.IsTrue(status.Detail.Length < 200, status.Detail);
        Assert.AreEqual(0, history.Messages.Count);
        await connection.DisposeAsync();
    }

    [TestMethod]
    public async Task Unary_RequestOverMaxMessageBytes_ResourceExhausted()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Endpoints:MaxMessageBytes"] = "4096" });

        var error = await Assert.ThrowsExactlyAsync<RpcException>(() => server.Auth.RegisterAsync(
            new RegisterRequest { UserName = "big", Password = new string('p', 5000) }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(StatusCode.ResourceExhausted, error.StatusCode);
    }
}
