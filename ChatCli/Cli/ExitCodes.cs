namespace ChatCli.Cli;

/// <summary>What `chat` returns, so scripts can tell failures apart.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int Auth = 2;
    public const int Unavailable = 3;
    public const int Refused = 4;
}

/// <summary>A failure with a one-line explanation for a person, and the exit code for a script.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
