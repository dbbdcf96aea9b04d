using System.Text.Json;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Sdk;

/// <summary>
/// @chatgrpc/client (web/client) running in Node under web/client/test/driver.mjs, one command at a
/// time: the test does the damage (a cut, a restart, a node leaving) between commands.
/// </summary>
internal sealed class WebClientDriver : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);
    private static readonly string ClientDirectory = Path.Combine(RepoPaths.Root, "web", "client");
    private static readonly SemaphoreSlim Built = new(1, 1);
    private static bool _built;
    private readonly PeerProcess _node;
    private int _next;

    private WebClientDriver(PeerProcess node) => _node = node;

    public static async Task<WebClientDriver> StartAsync()
    {
        await BuildOnceAsync();
        return new WebClientDriver(PeerProcess.Start("node", [Path.Combine(ClientDirectory, "test", "driver.mjs")], ClientDirectory, input: true));
    }

    public Task LoginAsync(string baseUrl, Chat.TestUser user) => RunAsync($"login {baseUrl} {user.Name} password-{user.Name}");

    public Task JoinAsync(string room) => RunAsync($"join {room}");

    public Task SendAsync(string room, string text) => RunAsync($"send {room} {text}");

    /// <summary>The room's messages once it holds <paramref name="count"/> and has nothing pending.</summary>
    public async Task<IReadOnlyList<(ulong Seq, string Text)>> WaitForMessagesAsync(string room, int count)
    {
        var answer = await RunAsync($"wait {room} {count}");
        return JsonDocument.Parse(answer).RootElement.EnumerateArray()
            .Select(m => (m.GetProperty("seq").GetUInt64(), m.GetProperty("text").GetString()!)).ToList();
    }

    /// <summary>The connection states the store went through, in order ("connecting", "online", "reconnecting"...).</summary>
    public async Task<IReadOnlyList<string>> StatesAsync()
    {
        var answer = await RunAsync("stats");
        return JsonDocument.Parse(answer).RootElement.GetProperty("states").EnumerateArray().Select(s => s.GetString()!).ToList();
    }

    public async ValueTask DisposeAsync() => await _node.DisposeAsync();

    private async Task<string> RunAsync(string command)
    {
        var id = (++_next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await _node.Input.WriteLineAsync($"{id} {command}");
        await _node.Input.FlushAsync();
        using var deadline = new CancellationTokenSource(Timeout);
        while (true)
        {
            var answer = _node.Output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(id + " ", StringComparison.Ordinal) || l.StartsWith("0 error", StringComparison.Ordinal));
            if (answer is not null)
            {
                var rest = answer[(answer.IndexOf(' ') + 1)..];
                Assert.IsTrue(rest.StartsWith("ok", StringComparison.Ordinal), $"'{command}' failed: {rest}\n{_node.Output}");
                return rest.Length > 3 ? rest[3..] : "";
            }

            if (_node.HasExited)
            {
                Assert.Fail($"the driver exited during '{command}':\n{_node.Output}");
            }

            try
            {
                await Task.Delay(20, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no answer to '{command}' within {Timeout.TotalSeconds:0} s:\n{_node.Output}");
            }
        }
    }

    /// <summary>The driver runs the compiled library: build it (generated code and tsc) once per test run.</summary>
    private static async Task BuildOnceAsync()
    {
        await Built.WaitAsync(Timeout);
        try
        {
            if (_built)
            {
                return;
            }

            var (exitCode, output) = await PeerProcess.RunAsync("npm", ["run", "--silent", "build"], TimeSpan.FromMinutes(3), ClientDirectory);
            Assert.AreEqual(0, exitCode, "npm run build in web/client: " + output);
            _built = true;
        }
        finally
        {
            Built.Release();
        }
    }
}
