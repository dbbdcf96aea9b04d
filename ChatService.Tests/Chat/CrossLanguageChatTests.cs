using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Chat;

/// <summary>
/// The same chat scenarios driven by clients generated from protos/ in other languages and stacks:
/// grpc-js and Python grpcio on the bidi stream, connect-web's gRPC-Web on Subscribe and unary calls.
/// </summary>
[TestClass]
public sealed class CrossLanguageChatTests
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(60);

    public static IEnumerable<object[]> Scenarios =>
        new[] { "two_users_chat", "typing_seen", "resume_after_seq", "edit_resume", "unauthenticated", "error_frame_keeps_stream" }
            .SelectMany(s => new[] { new object[] { "grpc-js", s }, new object[] { "python", s } });

    /// <summary>Scenarios only grpc-js runs: a reader that stops reading, and deadlines on both call kinds.</summary>
    public static IEnumerable<object[]> GrpcJsScenarios => new[] { "stalled_reader", "deadline_connect", "deadline_history" }.Select(s => new object[] { s });

    public static IEnumerable<object[]> GrpcWebScenarios =>
        new[] { "two_users_chat", "resume_after_seq", "unauthenticated", "error_refused_keeps_stream", "retry_is_duplicate" }
            .SelectMany(s => new[] { new object[] { "node", s }, new object[] { "fetch", s } });

    [TestMethod]
    [DynamicData(nameof(GrpcJsScenarios))]
    public async Task GrpcJsClient_StreamLimitScenario_Passes(string scenario)
    {
        // A small outbox, so the stalled reader overflows it within a few hundred messages.
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?> { ["Chat:OutboxCapacity"] = "16" });

        await RunScenarioAsync(scenario, "node", "grpcjs-chat-client.js", $"--server=127.0.0.1:{server.GrpcPort}");
    }

    [TestMethod]
    [DynamicData(nameof(GrpcWebScenarios))]
    public async Task ConnectWebClient_ChatScenario_Passes(string transport, string scenario)
    {
        await using var server = await ChatServerHost.StartAsync();

        await RunScenarioAsync(scenario, "node", "connectweb-chat-client.mjs", $"--base_url=http://127.0.0.1:{server.WebPort}", $"--transport={transport}");
    }

    [TestMethod]
    [DynamicData(nameof(Scenarios))]
    public async Task PeerClient_ChatScenario_Passes(string language, string scenario)
    {
        await using var server = await ChatServerHost.StartAsync();
        var (program, script) = language == "grpc-js"
            ? ("node", "grpcjs-chat-client.js")
            : ("/usr/bin/python3", "python_chat_client.py");

        await RunScenarioAsync(scenario, program, script, $"--server=127.0.0.1:{server.GrpcPort}");
    }

    /// <summary>Runs one peer script's scenario; it passes when the script exits 0 and says OK for it.</summary>
    private static async Task RunScenarioAsync(string scenario, string program, string script, params string[] arguments)
    {
        var (exitCode, output) = await PeerProcess.RunAsync(program, [Path.Combine(RepoPaths.Peers, script), .. arguments, $"--scenario={scenario}"], PeerTimeout);

        Assert.AreEqual(0, exitCode, output);
        StringAssert.Contains(output, $"OK: {scenario}");
    }
}
