using ChatGrpc.Interop;
using ChatGrpc.Wire.Client;

namespace ChatService.Tests.Interop;

/// <summary>Our client through the interop cases against our server and against servers no one here wrote.</summary>
[TestClass]
public sealed class OurClientInteropTests
{
    [TestMethod]
    [DynamicData(nameof(InteropCases.All), typeof(InteropCases))]
    public async Task OurClient_AgainstOurServer_Passes(string testCase)
    {
        var (port, _) = await InteropPeers.OursAsync();
        await RunAsync("ours → ours", port, testCase);
    }

    [TestMethod]
    [DynamicData(nameof(InteropCases.AgainstRubyServer), typeof(InteropCases))]
    public async Task OurClient_AgainstRubyServer_Passes(string testCase)
    {
        var port = await InteropPeers.RubyServerAsync();
        await RunAsync("ours → ruby", port, testCase);
    }

    [TestMethod]
    [DynamicData(nameof(InteropCases.All), typeof(InteropCases))]
    public async Task OurClient_AgainstGrpcJsServer_Passes(string testCase)
    {
        var port = await InteropPeers.GrpcJsServerAsync();
        await RunAsync("ours → grpc-js", port, testCase);
    }

    private static async Task RunAsync(string pair, int port, string testCase)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var passed = false;
        try
        {
            await new InteropClient(channel).RunAsync(testCase).WaitAsync(InteropPeers.PeerTimeout);
            passed = true;
        }
        finally
        {
            InteropMatrix.Record(pair, testCase, passed);
        }
    }
}
