using System.CommandLine;
using ChatCli.Client;
using ChatCli.Interactive;

namespace ChatCli.Cli;

/// <summary>The `chat` command tree. With no subcommand, the interactive chat starts.</summary>
internal static class CommandLine
{
    public static readonly Option<string?> Server = new("--server")
    {
        Description = "Server address (default: $CHAT_SERVER, else the saved login's, else http://127.0.0.1:5000)",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("ChatGrpc terminal client. Run without a command for the interactive chat.");
        root.Options.Add(Server);
        root.SetAction((result, cancellationToken) => Run(result, cancellationToken, (access, token) => new InteractiveChat(access).RunAsync(token)));
        AccountCommands.AddTo(root);
        RoomCommands.AddTo(root);
        MessageCommands.AddTo(root);
        AdminCommands.AddTo(root);

        var health = new Command("health", "Ask the server's standard health service whether it is serving");
        health.SetAction((result, token) => Run(result, token, async (access, ct) =>
        {
            var response = await new Grpc.Health.V1.Health.HealthClient(access.Channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), access.Options(ct));
            Console.WriteLine($"{access.Server}: {response.Status}");
            return response.Status == Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving ? ExitCodes.Ok : ExitCodes.Refused;
        }));
        root.Subcommands.Add(health);
        return root;
    }

    /// <summary>Runs a command body with a server connection; every failure becomes one line on stderr and an exit code.</summary>
    public static async Task<int> Run(ParseResult result, CancellationToken cancellationToken, Func<ServerAccess, CancellationToken, Task<int>> body)
    {
        using var access = new ServerAccess(result.GetValue(Server), new CredentialStore());
        try
        {
            return await body(access, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var explained = CliErrors.Explain(ex, access.Server);
            Console.Error.WriteLine($"chat: {explained.Message}");
            return explained.ExitCode;
        }
    }
}
