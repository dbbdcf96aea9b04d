using System.Diagnostics;

namespace ChatService.Tests.Cli;

/// <summary>A program in a detached 80x24 tmux pane: keys go in, the screen comes out, as a person would see it.</summary>
internal sealed class TmuxSession : IAsyncDisposable
{
    private readonly string _name = "chat" + Guid.NewGuid().ToString("N")[..8];

    private TmuxSession()
    {
    }

    public static async Task<TmuxSession> StartAsync(string command, IReadOnlyDictionary<string, string> environment)
    {
        var session = new TmuxSession();
        var env = string.Join(' ', environment.Select(e => $"{e.Key}='{e.Value}'"));
        await RunAsync("new-session", "-d", "-s", session._name, "-x", "80", "-y", "24", $"env {env} {command}; sleep 30");
        return session;
    }

    public Task SendKeysAsync(string text) => RunAsync("send-keys", "-t", _name, "-l", text);

    public Task PressAsync(string key) => RunAsync("send-keys", "-t", _name, key);

    public async Task<string> ScreenAsync() => await RunAsync("capture-pane", "-p", "-t", _name);

    /// <summary>Waits until the screen satisfies a condition; fails with the last screen if it never does.</summary>
    public async Task<string> WaitForScreenAsync(Func<string, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var screen = await ScreenAsync();
            if (condition(screen))
            {
                return screen;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Screen never showed {what}. Last screen:\n{screen}");
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync() => await RunAsync("kill-session", "-t", _name);

    private static async Task<string> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return output;
    }
}
