using System.CommandLine;
using ChatCli.Client;
using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatCli.Cli;

/// <summary>register, login, logout, whoami.</summary>
internal static class AccountCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(SignIn("register", "Create an account and log in", register: true));
        root.Subcommands.Add(SignIn("login", "Log in and save the login for later commands", register: false));

        var logout = new Command("logout", "End the saved login on the server (its tokens and streams) and forget it");
        logout.SetAction((result, token) => CommandLine.Run(result, token, async (access, cancellationToken) =>
        {
            var store = new CredentialStore();
            if (store.Load() is not { } saved)
            {
                Console.WriteLine("Not logged in.");
                return ExitCodes.Ok;
            }

            try
            {
                await access.Auth.LogoutAsync(new LogoutRequest { RefreshToken = saved.RefreshToken }, access.Options(cancellationToken));
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                // Forgetting the login here is what the user asked for; the server's copy expires on its own.
                Console.Error.WriteLine($"chat: could not reach {access.Server} to end the login there; forgetting it here anyway.");
            }

            store.Delete();
            Console.WriteLine("Logged out.");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(logout);

        var whoami = new Command("whoami", "Show who the saved login (or CHAT_TOKEN) is");
        whoami.SetAction((result, token) => CommandLine.Run(result, token, async (access, cancellationToken) =>
        {
            using var call = access.Chat.Connect(await access.AuthorizedAsync(cancellationToken: cancellationToken));
            if (!await call.ResponseStream.MoveNext(cancellationToken))
            {
                throw new CliException(ExitCodes.Unavailable, "the server closed the stream before saying who you are.");
            }

            var user = call.ResponseStream.Current.Welcome.User;
            Console.WriteLine($"{user.Name} ({user.Role.ToString().ToLowerInvariant()}) on {access.Server}");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(whoami);
    }

    private static Command SignIn(string name, string description, bool register)
    {
        var user = new Argument<string>("user") { Description = "User name" };
        var password = new Option<string?>("--password") { Description = "The password (visible in your shell history; prefer the prompt or --password-stdin)" };
        var stdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of stdin" };
        var command = new Command(name, description) { user, password, stdin };
        command.SetAction((result, token) => CommandLine.Run(result, token, async (access, cancellationToken) =>
        {
            var userName = result.GetRequiredValue(user);
            var secret = Passwords.Read(result.GetValue(password), result.GetValue(stdin));
            if (register)
            {
                var response = await access.Auth.RegisterAsync(new RegisterRequest { UserName = userName, Password = secret }, access.Options(cancellationToken));
                access.Remember(response.User.Name, response.Tokens);
                Console.WriteLine($"Registered and logged in as {response.User.Name} on {access.Server}.");
            }
            else
            {
                var response = await access.Auth.LoginAsync(new LoginRequest { UserName = userName, Password = secret }, access.Options(cancellationToken));
                access.Remember(response.User.Name, response.Tokens);
                Console.WriteLine($"Logged in as {response.User.Name} on {access.Server}.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
