using System.CommandLine;
using ChatCli.Client;
using ChatGrpc.Client;
using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatCli.Cli;

/// <summary>rooms, create, join, send, history, search, tail, who.</summary>
internal static class RoomCommands
{
    public static void AddTo(RootCommand root)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts" };

        var all = new Option<bool>("--all") { Description = "Also list public rooms you have not joined" };
        var rooms = new Command("rooms", "List your rooms with unread counts") { all, json };
        rooms.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var response = await access.Chat.ListRoomsAsync(new ListRoomsRequest { IncludePublic = result.GetValue(all) }, await access.AuthorizedAsync(cancellationToken: ct));
            if (result.GetValue(json))
            {
                Console.WriteLine(Output.JsonArray(response.Rooms));
                return ExitCodes.Ok;
            }

            foreach (var room in response.Rooms)
            {
                var unread = room.IsMember ? $"{room.LastSeq - Math.Min(room.ReadSeq, room.LastSeq)} unread" : "not joined";
                unread += room.UnreadMentions > 0 ? $", {room.UnreadMentions} mentioning you" : "";
                Console.WriteLine($"{room.Id,-24} {Output.Kind(room.Kind),-8} {room.MemberCount,3} members  {unread}");
            }

            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(rooms);

        var roomArgument = new Argument<string>("room") { Description = "Room id" };
        var title = new Option<string?>("--title") { Description = "Display title" };
        var isPrivate = new Option<bool>("--private") { Description = "Only members may join" };
        var members = new Option<string[]>("--member") { Description = "User to add (repeatable)", AllowMultipleArgumentsPerToken = true };
        var create = new Command("create", "Create a room") { roomArgument, title, isPrivate, members };
        create.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var request = new CreateRoomRequest
            {
                Id = result.GetRequiredValue(roomArgument),
                Title = result.GetValue(title) ?? "",
                Kind = result.GetValue(isPrivate) ? RoomKind.Private : RoomKind.Public,
            };
            request.Members.AddRange(result.GetValue(members) ?? []);
            var created = await access.Chat.CreateRoomAsync(request, await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine($"Created {Output.Kind(created.Room.Kind)} room {created.Room.Id}.");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(create);

        var join = new Command("join", "Join a room (public rooms make you a member)") { roomArgument };
        join.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var room = result.GetRequiredValue(roomArgument);
            await using var stream = await OneShotStream.OpenAsync(access, ct);
            var joined = await stream.JoinAsync(room, ct);
            Console.WriteLine($"Joined {room}: {joined.Members.Count} members, last seq {joined.LastSeq}.");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(join);

        var text = new Argument<string?>("text") { Description = "Message text; read from stdin when omitted", Arity = ArgumentArity.ZeroOrOne };
        var replyTo = new Option<ulong>("--reply-to") { Description = "The seq of the message this one answers" };
        var send = new Command("send", "Send a message to a room") { roomArgument, text, replyTo };
        send.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var room = result.GetRequiredValue(roomArgument);
            var body = result.GetValue(text) ?? (await Console.In.ReadToEndAsync(ct)).TrimEnd('\r', '\n');
            await using var stream = await OneShotStream.OpenAsync(access, ct);
            await stream.JoinAsync(room, ct);
            var ack = await stream.SendAsync(room, body, result.GetValue(replyTo), ct);
            Console.WriteLine($"Sent #{ack.Seq} to {room}.");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(send);

        var limit = new Option<int>("--limit") { Description = "How many messages", DefaultValueFactory = _ => 20 };
        var before = new Option<ulong>("--before") { Description = "Only messages before this seq" };
        var history = new Command("history", "Show stored messages, oldest first") { roomArgument, limit, before, json };
        history.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var response = await access.Chat.HistoryAsync(
                new HistoryRequest { Room = result.GetRequiredValue(roomArgument), Limit = result.GetValue(limit), BeforeSeq = result.GetValue(before) },
                await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine(result.GetValue(json) ? Output.JsonArray(response.Messages) : string.Join(Environment.NewLine, response.Messages.Select(Output.Line)));
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(history);

        var words = new Argument<string[]>("words") { Description = "Words to find (all of them; word* matches a prefix)", Arity = ArgumentArity.OneOrMore };
        var inRoom = new Option<string?>("--room") { Description = "Only this room (default: every room you are in)" };
        var search = new Command("search", "Find stored messages by the words in them, best match first") { words, inRoom, limit, json };
        search.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var response = await access.Chat.SearchAsync(
                new SearchRequest { Query = string.Join(' ', result.GetRequiredValue(words)), Room = result.GetValue(inRoom) ?? "", Limit = result.GetValue(limit) },
                await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine(result.GetValue(json)
                ? Output.JsonArray(response.Hits.Select(h => h.Message))
                : string.Join(Environment.NewLine, response.Hits.Select(h => $"[{h.Message.Room}] {Output.Line(h.Message)}")));
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(search);

        var tailRooms = new Argument<string[]>("rooms") { Description = "Rooms to follow", Arity = ArgumentArity.OneOrMore };
        var tail = new Command("tail", "Follow rooms, printing messages as they arrive (Ctrl+C to stop)") { tailRooms, json };
        tail.SetAction((result, token) => CommandLine.Run(result, token, (access, ct) => TailAsync(access, result.GetRequiredValue(tailRooms), result.GetValue(json), ct)));
        root.Subcommands.Add(tail);

        var who = new Command("who", "List a room's members and their presence") { roomArgument, json };
        who.SetAction((result, token) => CommandLine.Run(result, token, async (access, ct) =>
        {
            var response = await access.Chat.GetMembersAsync(new GetMembersRequest { Room = result.GetRequiredValue(roomArgument) }, await access.AuthorizedAsync(cancellationToken: ct));
            Console.WriteLine(result.GetValue(json)
                ? Output.JsonArray(response.Members)
                : string.Join(Environment.NewLine, response.Members.Select(m => $"{m.UserName,-24} {Output.Presence(m)}")));
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(who);
    }

    private static async Task<int> TailAsync(ServerAccess access, string[] rooms, bool json, CancellationToken cancellationToken)
    {
        await using var session = new ChatClient(access.Channel, access);
        foreach (var room in rooms)
        {
            Background.Forget(session.JoinAsync(room, cancellationToken));
        }

        await session.StartAsync(cancellationToken);
        try
        {
            await foreach (var update in session.ReadEventsAsync(cancellationToken))
            {
                switch (update)
                {
                    case FrameReceived { Frame.FrameCase: ServerFrame.FrameOneofCase.Joined } joined when joined.Frame.Joined.Resume != ResumeResult.Complete:
                        foreach (var message in joined.Frame.Joined.History)
                        {
                            Print(message);
                        }

                        break;
                    case FrameReceived { Frame.FrameCase: ServerFrame.FrameOneofCase.Message } arrived:
                        Print(arrived.Frame.Message);
                        break;
                    case FrameReceived { Frame.FrameCase: ServerFrame.FrameOneofCase.Error } error:
                        throw new CliException(ExitCodes.Refused, error.Frame.Error.Message);
                    case ConnectionChanged { State: ConnectionState.Failed } failed:
                        throw new CliException(ExitCodes.Auth, failed.Reason ?? "the connection failed.");
                    case ConnectionChanged { RetryIn: { } retry } when !json:
                        Console.Error.WriteLine($"chat: connection lost; reconnecting in {retry.TotalSeconds:0.0} s");
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: a normal way to stop following.
        }

        return ExitCodes.Ok;

        void Print(ChatMessage message) => Console.WriteLine(json ? Output.ToJson(message) : $"[{message.Room}] {Output.Line(message)}");
    }
}

/// <summary>A short Connect stream for one command: welcome, then request/answer by request_id.</summary>
internal sealed class OneShotStream : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<ClientFrame, ServerFrame> _call;
    private int _next;

    private OneShotStream(AsyncDuplexStreamingCall<ClientFrame, ServerFrame> call) => _call = call;

    public static async Task<OneShotStream> OpenAsync(ServerAccess access, CancellationToken cancellationToken)
    {
        var call = access.Chat.Connect(await access.AuthorizedAsync(cancellationToken: cancellationToken));
        var stream = new OneShotStream(call);
        await stream.NextAsync(_ => true, cancellationToken);
        return stream;
    }

    public async Task<Joined> JoinAsync(string room, CancellationToken cancellationToken) =>
        (await AskAsync(new ClientFrame { Join = new JoinRequest { Room = room } }, cancellationToken)).Joined;

    public async Task<SendAck> SendAsync(string room, string text, ulong replyTo, CancellationToken cancellationToken) =>
        (await AskAsync(new ClientFrame { Send = new SendRequest { Room = room, Text = text, ClientMsgId = Guid.NewGuid().ToString("N"), ReplyTo = replyTo } }, cancellationToken)).SendAck;

    public async ValueTask DisposeAsync()
    {
        await _call.RequestStream.CompleteAsync();
        _call.Dispose();
    }

    private async Task<ServerFrame> AskAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        frame.RequestId = (++_next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await _call.RequestStream.WriteAsync(frame, cancellationToken);
        var answer = await NextAsync(f => f.RequestId == frame.RequestId, cancellationToken);
        if (answer.FrameCase == ServerFrame.FrameOneofCase.Error)
        {
            throw new CliException(ExitCodes.Refused, answer.Error.Message);
        }

        return answer;
    }

    private async Task<ServerFrame> NextAsync(Func<ServerFrame, bool> match, CancellationToken cancellationToken)
    {
        while (await _call.ResponseStream.MoveNext(cancellationToken))
        {
            if (match(_call.ResponseStream.Current))
            {
                return _call.ResponseStream.Current;
            }
        }

        throw new CliException(ExitCodes.Unavailable, "the server closed the stream early.");
    }
}
