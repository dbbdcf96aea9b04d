using ChatGrpc.Interop;
using ChatService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace ChatService.Tests.Interop;

/// <summary>
/// The servers the interop cases run against, started once per test run on free loopback ports:
/// ours in-process, and the official Ruby (C-core) and grpc-js servers as child processes.
/// </summary>
[TestClass]
public static class InteropPeers
{
    public const string RubyInteropDir = "/usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0/gems/grpc-1.51.1/src/ruby/pb/test";
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(60);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static WebApplication? _ours;
    private static PeerProcess? _ruby;
    private static PeerProcess? _grpcJs;
    private static int _oursPort;
    private static int _oursWebPort;
    private static int _rubyPort;
    private static int _grpcJsPort;

    public static async Task<(int Port, int WebPort)> OursAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_ours is null)
            {
                _oursPort = FreePort.Next();
                _oursWebPort = FreePort.Next();
                _ours = InteropServer.Build(_oursPort, _oursWebPort);
                await _ours.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }

            return (_oursPort, _oursWebPort);
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<int> RubyServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_ruby is null)
            {
                _rubyPort = FreePort.Next();
                _ruby = PeerProcess.Start("bash", [Path.Combine(RepoPaths.Peers, "ruby-interop-server.sh"), _rubyPort.ToString()]);
                await WaitForPeerAsync(_ruby, _rubyPort);
            }

            return _rubyPort;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<int> GrpcJsServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_grpcJs is null)
            {
                _grpcJsPort = FreePort.Next();
                _grpcJs = PeerProcess.Start("node", [Path.Combine(RepoPaths.Peers, "grpcjs-interop-server.js"), $"--port={_grpcJsPort}"]);
                await WaitForPeerAsync(_grpcJs, _grpcJsPort);
            }

            return _grpcJsPort;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task StopAllAsync()
    {
        var matrix = InteropMatrix.Render();
        if (matrix.Length > 0)
        {
            var path = Path.Combine(RepoPaths.Root, "TestResults", "interop-matrix.md");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, matrix);
            Console.WriteLine("Interop matrix (client → server):");
            Console.WriteLine(matrix);
        }

        if (_ours is not null)
        {
            await _ours.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _ours.DisposeAsync();
        }

        if (_ruby is not null)
        {
            await _ruby.DisposeAsync();
        }

        if (_grpcJs is not null)
        {
            await _grpcJs.DisposeAsync();
        }
    }

    private static async Task WaitForPeerAsync(PeerProcess peer, int port)
    {
        try
        {
            await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"Peer server did not start (exited: {peer.HasExited}). Output:\n{peer.Output}", ex);
        }
    }
}
