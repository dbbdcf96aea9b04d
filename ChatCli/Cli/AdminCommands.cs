using System.CommandLine;
using ChatGrpc.Contracts.V1;

namespace ChatCli.Cli;

/// <summary>admin broadcast | notify | kick | stats.</summary>
internal static class AdminCommands
{
    public static void AddTo(RootCommand root)
    {
        var admin = new Command("admin", "Operator commands (admin role)");
        var title = new Option<string>("--title") { Description = "Notification title", DefaultValueFactory = _ => "" };
        var text = new Argument<string>("text") { Description = "Notification text" };
        var user = new Argument<string>("user") { Description = "User name" };

        var broadcast = new Command("broadcast", "Notify everyone online") { text, title };
        broadcast.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var response = await access.Admin.BroadcastAsync(new BroadcastRequest { Title = result.GetValue(title)!, Body = result.GetRequiredValue(text) }, await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine($"Broadcast to {response.Connections} connections.");
            return ExitCodes.Ok;
        }));

        var notify = new Command("notify", "Notify one user on all their devices") { user, text, title };
        notify.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var response = await access.Admin.NotifyAsync(
                new NotifyRequest { UserName = result.GetRequiredValue(user), Title = result.GetValue(title)!, Body = result.GetRequiredValue(text) },
                await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine($"Notified {result.GetRequiredValue(user)} on {response.Connections} connections.");
            return ExitCodes.Ok;
        }));

        var reason = new Option<string>("--reason") { Description = "Shown to the user", DefaultValueFactory = _ => "" };
        var kick = new Command("kick", "Disconnect every connection of a user") { user, reason };
        kick.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var response = await access.Admin.KickAsync(new KickRequest { UserName = result.GetRequiredValue(user), Reason = result.GetValue(reason)! }, await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine($"Disconnected {response.Connections} connections of {result.GetRequiredValue(user)}.");
            return ExitCodes.Ok;
        }));

        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var stats = new Command("stats", "Server statistics") { json };
        stats.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var s = await access.Admin.GetStatsAsync(new GetStatsRequest(), await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine(result.GetValue(json)
                ? Output.ToJson(s)
                : $"connections {s.Connections}, users online {s.UsersOnline}, rooms {s.Rooms}, messages stored {s.MessagesStored}, messages/s {s.MessagesPerSecond:0.0}");
            return ExitCodes.Ok;
        }));

        admin.Subcommands.Add(broadcast);
        admin.Subcommands.Add(notify);
        admin.Subcommands.Add(kick);
        admin.Subcommands.Add(stats);
        root.Subcommands.Add(admin);
    }
}
