using System.Diagnostics;
using System.Text;

namespace ChatService.Tests.Infrastructure;

/// <summary>Runs another program (a peer written by someone else) with a hard time limit.</summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PeerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The program's standard input, when it was started with <c>input: true</c>.</summary>
    public StreamWriter Input => _process.StandardInput;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the program to end by itself; one still running after <paramref name="timeout"/> fails the test.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"still running after {timeout.TotalSeconds:0} s; output so far:\n{Output}");
        }

        // The parameterless wait also drains the redirected output.
        _process.WaitForExit();
    }

    /// <summary>SIGKILL, as a crash or an OOM kill would end it: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    public static PeerProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, Dictionary<string, string>? environment = null, bool input = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = input,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        return new PeerProcess(process);
    }

    /// <summary>Runs to completion; a run over the time limit is killed and reported as such.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        await using var peer = Start(fileName, arguments, workingDirectory);
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await peer._process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            return (-1, $"killed after {timeout.TotalSeconds:0}s without finishing\n{peer.Output}");
        }

        // The parameterless wait also drains the redirected output.
        peer._process.WaitForExit();
        return (peer._process.ExitCode, peer.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
