using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Chat;

/// <summary>The same chat scenarios driven by clients generated from protos/ in other languages: grpc-js and Python grpcio.</summary>
[TestClass]
public sealed class CrossLanguageChatTests
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(60);

    public static IEnumerable<object[]> Scenarios =>
        new[] { "two_users_chat", "typing_seen", "resume_after_seq", "unauthenticated", "error_frame_keeps_stream" }
            .SelectMany(s => new[] { new object[] { "grpc-js", s }, new object[] { "python", s } });

    [TestMethod]
    [DynamicData(nameof(Scenarios))]
    public async Task PeerClient_ChatScenario_Passes(string language, string scenario)
    {
        await using var server = await ChatServerHost.StartAsync();
        var (program, script) = language == "grpc-js"
            ? ("node", "grpcjs-chat-client.js")
            : ("/usr/bin/python3", "python_chat_client.py");

        var (exitCode, output) = await PeerProcess.RunAsync(
            program, [Path.Combine(RepoPaths.Peers, script), $"--server=127.0.0.1:{server.GrpcPort}", $"--scenario={scenario}"], PeerTimeout);

        Assert.AreEqual(0, exitCode, output);
        StringAssert.Contains(output, $"OK: {scenario}");
    }
}
