using Grpc.Core;

namespace ChatCli.Cli;

/// <summary>Turns any failure into one line a person can act on, and an exit code. Never a stack trace.</summary>
internal static class CliErrors
{
    public static CliException Explain(Exception error, string server) => error switch
    {
        CliException cli => cli,
        RpcException { StatusCode: StatusCode.Unavailable } => new CliException(ExitCodes.Unavailable,
            $"cannot reach the chat server at {server}. Is it running? Choose another with --server or CHAT_SERVER."),
        RpcException { StatusCode: StatusCode.DeadlineExceeded } => new CliException(ExitCodes.Unavailable,
            $"the chat server at {server} did not answer in time. Try again in a moment."),
        RpcException { StatusCode: StatusCode.Unauthenticated } rpc => new CliException(ExitCodes.Auth,
            $"{Trim(rpc.Status.Detail)} Run 'chat login <user>' to sign in again."),
        RpcException { StatusCode: StatusCode.PermissionDenied } rpc => new CliException(ExitCodes.Refused,
            $"not allowed: {Trim(rpc.Status.Detail)}"),
        RpcException rpc => new CliException(ExitCodes.Refused, $"the server refused: {Trim(rpc.Status.Detail)}"),
        OperationCanceledException => new CliException(ExitCodes.Unavailable, "cancelled."),
        IOException io => new CliException(ExitCodes.Unavailable, $"I/O error: {io.Message}"),
        _ => new CliException(ExitCodes.Refused, $"unexpected error: {error.Message}"),
    };

    private static string Trim(string detail) => Visible.Text(detail).TrimEnd('.') + ".";
}
