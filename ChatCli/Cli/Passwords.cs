using System.Text;

namespace ChatCli.Cli;

/// <summary>Reads a password from an option, from stdin, or from the terminal without echoing it.</summary>
internal static class Passwords
{
    public static string Read(string? fromOption, bool fromStdin, string prompt = "Password: ")
    {
        if (fromOption is not null)
        {
            return fromOption;
        }

        if (fromStdin)
        {
            return (Console.In.ReadLine() ?? "").TrimEnd('\r', '\n');
        }

        if (Console.IsInputRedirected)
        {
            throw new CliException(ExitCodes.Usage, "no terminal to ask for a password: pass --password-stdin and pipe it in.");
        }

        Console.Write(prompt);
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}
