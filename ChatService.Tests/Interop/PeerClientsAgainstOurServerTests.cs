using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Interop;

/// <summary>Independent gRPC clients (Ruby C-core, grpc-js, Python grpcio, connect gRPC-Web) against our server.</summary>
[TestClass]
public sealed class PeerClientsAgainstOurServerTests
{
    [TestMethod]
    [DynamicData(nameof(InteropCases.Ruby), typeof(InteropCases))]
    public async Task RubyClient_InteropCase_Passes(string testCase)
    {
        var (port, _) = await InteropPeers.OursAsync();
        await RunPeerAsync("ruby → ours", testCase, "ruby",
            [Path.Combine(InteropPeers.RubyInteropDir, "client.rb"), "--server_host=127.0.0.1", $"--server_port={port}", "--use_tls=false", $"--test_case={testCase}"]);
    }

    [TestMethod]
    [DynamicData(nameof(InteropCases.All), typeof(InteropCases))]
    public async Task GrpcJsClient_InteropCase_Passes(string testCase)
    {
        var (port, _) = await InteropPeers.OursAsync();
        await RunPeerAsync("grpc-js → ours", testCase, "node",
            [Path.Combine(RepoPaths.Peers, "grpcjs-interop-client.js"), "--server_host=127.0.0.1", $"--server_port={port}", $"--test_case={testCase}"]);
    }

    [TestMethod]
    [DynamicData(nameof(InteropCases.All), typeof(InteropCases))]
    public async Task PythonClient_InteropCase_Passes(string testCase)
    {
        var (port, _) = await InteropPeers.OursAsync();
        await RunPeerAsync("python → ours", testCase, "/usr/bin/python3",
            [Path.Combine(RepoPaths.Peers, "python_interop_client.py"), "--server_host=127.0.0.1", $"--server_port={port}", $"--test_case={testCase}"]);
    }

    [TestMethod]
    [DynamicData(nameof(InteropCases.GrpcWeb), typeof(InteropCases))]
    public async Task ConnectGrpcWebClient_InteropCase_Passes(string testCase)
    {
        var (_, webPort) = await InteropPeers.OursAsync();
        await RunPeerAsync("connect gRPC-Web → ours", testCase, "node",
            [Path.Combine(RepoPaths.Peers, "grpcweb-interop-client.mjs"), $"--base_url=http://127.0.0.1:{webPort}", $"--test_case={testCase}"]);
    }

    private static async Task RunPeerAsync(string pair, string testCase, string program, string[] arguments)
    {
        var (exitCode, output) = await PeerProcess.RunAsync(program, arguments, InteropPeers.PeerTimeout);
        var passed = exitCode == 0 && output.Contains($"OK: {testCase}", StringComparison.Ordinal);
        InteropMatrix.Record(pair, testCase, passed);
        Assert.IsTrue(passed, $"{pair} {testCase}: exit {exitCode}\n{output}");
    }
}
