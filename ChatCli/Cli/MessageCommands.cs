using System.CommandLine;
using ChatGrpc.Contracts.V1;

namespace ChatCli.Cli;

/// <summary>edit, delete: changing a message already sent.</summary>
internal static class MessageCommands
{
    public static void AddTo(RootCommand root)
    {
        var room = new Argument<string>("room") { Description = "Room id" };
        var seq = new Argument<ulong>("seq") { Description = "The message's seq (the #number history shows)" };

        var text = new Argument<string?>("text") { Description = "The new text; read from stdin when omitted", Arity = ArgumentArity.ZeroOrOne };
        var edit = new Command("edit", "Replace the text of one of your messages") { room, seq, text };
        edit.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var body = result.GetValue(text) ?? (await Console.In.ReadToEndAsync(ct)).TrimEnd('\r', '\n');
            var request = new EditMessageRequest { Room = result.GetRequiredValue(room), Seq = result.GetRequiredValue(seq), Text = body, ClientEditId = Guid.NewGuid().ToString("N") };
            var response = await access.Chat.EditMessageAsync(request, await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine(response.Duplicate ? $"#{request.Seq} already says that." : $"Edited #{request.Seq} in {request.Room}.");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(edit);

        var delete = new Command("delete", "Delete one of your messages (moderators: anyone's)") { room, seq };
        delete.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var request = new DeleteMessageRequest { Room = result.GetRequiredValue(room), Seq = result.GetRequiredValue(seq) };
            await access.Chat.DeleteMessageAsync(request, await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine($"Deleted #{request.Seq} in {request.Room}.");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(delete);
    }
}
