using ChatCli.Cli;
using ChatCli.Client;
using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatCli.Interactive;

/// <summary>Before the chat starts: make sure there is a login, asking for one on the terminal if needed.</summary>
internal static class LoginPrompt
{
    public static async Task EnsureAsync(ServerAccess access, CancellationToken cancellationToken)
    {
        try
        {
            await access.AccessTokenAsync(cancellationToken);
            return;
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.Auth && !Console.IsInputRedirected)
        {
            Console.WriteLine($"Not logged in to {access.Server}.");
        }

        while (true)
        {
            Console.Write("User name: ");
            var user = Console.ReadLine()?.Trim();
            if (string.IsNullOrEmpty(user))
            {
                throw new CliException(ExitCodes.Auth, "no user name given.");
            }

            var password = Passwords.Read(null, false);
            Console.Write("[l]og in or [r]egister a new account? ");
            var register = (Console.ReadLine() ?? "").Trim().StartsWith('r');
            try
            {
                if (register)
                {
                    var created = await access.Auth.RegisterAsync(new RegisterRequest { UserName = user, Password = password }, access.Options(cancellationToken));
                    access.Remember(created.User.Name, created.Tokens);
                }
                else
                {
                    var loggedIn = await access.Auth.LoginAsync(new LoginRequest { UserName = user, Password = password }, access.Options(cancellationToken));
                    access.Remember(loggedIn.User.Name, loggedIn.Tokens);
                }

                return;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.InvalidArgument or StatusCode.AlreadyExists)
            {
                Console.WriteLine($"{Visible.Text(ex.Status.Detail)} Try again.");
            }
        }
    }
}
