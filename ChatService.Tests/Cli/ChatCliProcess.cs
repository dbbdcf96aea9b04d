using System.Diagnostics;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Cli;

/// <summary>Runs the real `chat` binary with its own config directory, against a given server.</summary>
internal sealed class ChatCliProcess(string server)
{
    public static readonly string Dll = Path.Combine(
        RepoPaths.Root, "ChatCli", "bin", RepoPaths.Configuration, "net10.0", "chat.dll");

    public string ConfigDirectory { get; } = Path.Combine(Path.GetTempPath(), "chatgrpc-cli-tests", Guid.NewGuid().ToString("N"));

    public string Server { get; } = server;

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string? stdin, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["CHAT_CONFIG_DIR"] = ConfigDirectory;
        info.Environment["CHAT_SERVER"] = Server;
        info.Environment["NO_COLOR"] = "1";
        info.Environment.Remove("CHAT_TOKEN");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"chat {string.Join(' ', arguments)} did not finish within 60 s");
        }

        return (process.ExitCode, (await stdout).TrimEnd(), (await stderr).TrimEnd());
    }

    /// <summary>Runs and asserts success, returning stdout.</summary>
    public async Task<string> OkAsync(string? stdin, params string[] arguments)
    {
        var (code, stdout, stderr) = await RunAsync(stdin, arguments);
        Assert.AreEqual(0, code, $"chat {string.Join(' ', arguments)} failed: {stderr}");
        return stdout;
    }
}
