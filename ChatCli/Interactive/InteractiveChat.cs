using System.Threading.Channels;
using ChatCli.Cli;
using ChatCli.Client;
using ChatGrpc.Client;
using ChatGrpc.Contracts.V1;

namespace ChatCli.Interactive;

/// <summary>The interactive chat: a room view with a fixed status and input line, slash commands, typing, reconnects.</summary>
internal sealed partial class InteractiveChat(ServerAccess access)
{
    private static readonly TimeSpan TypingRefresh = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan TypingIdle = TimeSpan.FromSeconds(5);
    private static readonly int[] Palette = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

    private readonly Dictionary<string, Presence> _people = new();
    private readonly Dictionary<string, HashSet<string>> _typing = new();
    private readonly Dictionary<string, int> _unread = new();
    private readonly Dictionary<string, ChatMessage> _lastOwn = new();
    private readonly Dictionary<string, ChatMessage> _lastOthers = new();
    private readonly Dictionary<string, Dictionary<string, ReadReceipt>> _receipts = new();
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>();
    private ChatClient _session = null!;
    private Terminal _screen = null!;
    private string? _room;
    private string _link = "connecting…";
    private string _input = "";
    private int _cursor;
    private ChatMessage? _editing;
    private DateTimeOffset _typingSentAt;
    private DateTimeOffset _lastKeyAt;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await LoginPrompt.EnsureAsync(access, cancellationToken);
        if (Console.IsInputRedirected || Console.IsOutputRedirected)
        {
            throw new CliException(ExitCodes.Usage, "the interactive chat needs a terminal; use the subcommands (chat --help) in scripts.");
        }

        var rooms = await access.Chat.ListRoomsAsync(new ListRoomsRequest(), await access.AuthorizedAsync(cancellationToken: cancellationToken));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var session = new ChatClient(access.Channel, access);
        _session = session;
        foreach (var room in rooms.Rooms)
        {
            Background.Forget(_session.JoinAsync(room.Id, stop.Token));
        }

        _room = rooms.Rooms.FirstOrDefault()?.Id;
        Console.TreatControlCAsInput = true;
        using (_screen = new Terminal())
        {
            _screen.WriteLine(_screen.Dim($"ChatGrpc on {access.Server}. Type /help for commands, /quit to leave."));
            if (_room is null)
            {
                _screen.WriteLine(_screen.Dim("You are in no room yet: /rooms lists them, /join <room> or /create <room> starts one."));
            }

            await _session.StartAsync(stop.Token);
            _ = PumpEventsAsync(stop.Token);
            _ = Task.Run(() => ReadKeys(stop.Token), stop.Token);
            Redraw();
            try
            {
                await foreach (var item in _inbox.Reader.ReadAllAsync(stop.Token))
                {
                    if (item is ConsoleKeyInfo key && !await OnKeyAsync(key, stop.Token))
                    {
                        break;
                    }

                    if (item is ChatClientEvent update && !OnSessionEvent(update))
                    {
                        break;
                    }

                    if (item is TimeSpan)
                    {
                        CheckTypingIdle();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or the host stopping: leave as cleanly as /quit.
            }

            await stop.CancelAsync();
        }

        Console.TreatControlCAsInput = false;
        return ExitCodes.Ok;
    }

    private async Task PumpEventsAsync(CancellationToken cancellationToken)
    {
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var tick = Task.Run(async () =>
        {
            while (await ticker.WaitForNextTickAsync(cancellationToken))
            {
                _inbox.Writer.TryWrite(TimeSpan.Zero);
            }
        }, cancellationToken);
        await foreach (var update in _session.ReadEventsAsync(cancellationToken))
        {
            _inbox.Writer.TryWrite(update);
        }
    }

    private void ReadKeys(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            _inbox.Writer.TryWrite(Console.ReadKey(intercept: true));
        }
    }

    private bool OnSessionEvent(ChatClientEvent update)
    {
        switch (update)
        {
            case ConnectionChanged { State: ConnectionState.Failed } failed:
                _screen.WriteLine(_screen.Colored($"Disconnected for good: {Visible.Text(failed.Reason ?? "")} (press Enter to quit)", 31));
                _link = "disconnected";
                break;
            case ConnectionChanged { RetryIn: { } retry }:
                _link = $"reconnecting in {retry.TotalSeconds:0.0} s";
                break;
            case ConnectionChanged { State: ConnectionState.Connected, Resumed: true }:
                _link = "resumed";
                _screen.WriteLine(_screen.Dim("-- reconnected; catching up on what was missed --"));
                break;
            case ConnectionChanged { State: ConnectionState.Connected }:
                _link = "connected";
                break;
            case ConnectionChanged { State: ConnectionState.Reconnecting or ConnectionState.Connecting }:
                _link = "connecting…";
                break;
            case FrameReceived arrived:
                OnFrame(arrived.Frame);
                break;
        }

        Redraw();
        return true;
    }

    private void OnFrame(ServerFrame frame)
    {
        switch (frame.FrameCase)
        {
            case ServerFrame.FrameOneofCase.Joined:
                var joined = frame.Joined;
                foreach (var member in joined.Members)
                {
                    _people[member.UserId] = member;
                }

                _receipts[joined.Room.Id] = joined.ReadReceipts.ToDictionary(r => r.UserId);

                if (joined.Resume != ResumeResult.Complete && joined.Room.Id == _room)
                {
                    foreach (var message in joined.History)
                    {
                        ShowMessage(message);
                    }
                }

                break;
            case ServerFrame.FrameOneofCase.Message:
                ShowMessage(frame.Message);
                StopTyping(frame.Message.Room, frame.Message.SenderName);
                break;
            case ServerFrame.FrameOneofCase.Typing:
                var typing = frame.Typing;
                var set = _typing.TryGetValue(typing.Room, out var names) ? names : _typing[typing.Room] = new HashSet<string>();
                if (typing.Active)
                {
                    set.Add(typing.UserName);
                }
                else
                {
                    set.Remove(typing.UserName);
                }

                break;
            case ServerFrame.FrameOneofCase.Presence:
                _people[frame.Presence.Presence.UserId] = frame.Presence.Presence;
                break;
            case ServerFrame.FrameOneofCase.MemberJoined when frame.MemberJoined.Room == _room:
                _people[frame.MemberJoined.Member.UserId] = frame.MemberJoined.Member;
                _screen.WriteLine(_screen.Dim($"-> {frame.MemberJoined.Member.UserName} joined #{frame.MemberJoined.Room}"));
                break;
            case ServerFrame.FrameOneofCase.MemberLeft when frame.MemberLeft.Room == _room:
                _screen.WriteLine(_screen.Dim($"<- {frame.MemberLeft.Member.UserName} left #{frame.MemberLeft.Room}"));
                break;
            case ServerFrame.FrameOneofCase.Notification:
                var note = frame.Notification;
                var kind = note.Kind == NotificationKind.Broadcast ? "broadcast" : "notice";
                _screen.WriteLine(_screen.Colored($"[{kind} from {note.FromUser}] {Visible.Text(note.Title)}{(note.Title.Length > 0 ? ": " : "")}{Visible.Text(note.Body)}", 93));
                break;
            case ServerFrame.FrameOneofCase.Mention when frame.Mention.Message.Room != _room:
                // In the open room the message itself shows; elsewhere the mention says where to look.
                var mention = frame.Mention.Message;
                _screen.WriteLine(_screen.Colored($"[@ {mention.SenderName} in #{mention.Room}] {Visible.Text(mention.Text)}", 93));
                break;
            case ServerFrame.FrameOneofCase.ReadReceipt:
                var receipt = frame.ReadReceipt;
                (_receipts.TryGetValue(receipt.Room, out var known) ? known : _receipts[receipt.Room] = new())[receipt.UserId] = receipt;
                break;
            case ServerFrame.FrameOneofCase.RoomAdded:
                _screen.WriteLine(_screen.Colored($"{frame.RoomAdded.AddedBy} added you to #{frame.RoomAdded.Room.Id}: /join {frame.RoomAdded.Room.Id}", 93));
                break;
            case ServerFrame.FrameOneofCase.MessageDeleted:
                var deleted = frame.MessageDeleted;
                if (_lastOwn.TryGetValue(deleted.Room, out var own) && own.Seq == deleted.Seq)
                {
                    _lastOwn.Remove(deleted.Room);
                }

                _screen.WriteLine(_screen.Dim($"(message #{deleted.Seq} in #{deleted.Room} was deleted by {deleted.DeletedBy})"));
                break;
            case ServerFrame.FrameOneofCase.MessageEdited:
                var edited = frame.MessageEdited.Message;
                RememberOwn(edited);
                if (edited.Room == _room)
                {
                    _screen.WriteLine($"{_screen.Dim("(edited)")} {_screen.Colored(edited.SenderName, ColorOf(edited.SenderName))}: {Visible.Text(edited.Text)}");
                }

                break;
            case ServerFrame.FrameOneofCase.Error:
                _screen.WriteLine(_screen.Colored($"! {Visible.Text(frame.Error.Message)}", 31));
                break;
            case ServerFrame.FrameOneofCase.Draining:
                _screen.WriteLine(_screen.Dim("-- the server is restarting; reconnecting --"));
                break;
        }
    }

    /// <summary>The user's newest message in each room, which the up arrow edits.</summary>
    private void RememberOwn(ChatMessage message)
    {
        if (message.SenderId == _session.User?.Id && !message.Deleted
            && (!_lastOwn.TryGetValue(message.Room, out var known) || known.Seq <= message.Seq))
        {
            _lastOwn[message.Room] = message;
        }
    }

    private void ShowMessage(ChatMessage message)
    {
        RememberOwn(message);
        if (message.SenderId != _session.User?.Id && !message.Deleted)
        {
            _lastOthers[message.Room] = message;
        }

        if (message.Room != _room)
        {
            _unread[message.Room] = _unread.GetValueOrDefault(message.Room) + 1;
            return;
        }

        if (message.ReplyTo is { } quoted)
        {
            _screen.WriteLine(_screen.Dim($"  ╭ {Output.Quoted(quoted)}"));
        }

        var time = message.SentAt.ToDateTimeOffset().ToLocalTime().ToString("HH:mm");
        var text = message.Deleted ? _screen.Dim("(deleted)") : Visible.Text(message.Text);
        var line = text.StartsWith("/me ", StringComparison.Ordinal)
            ? $"{time} * {_screen.Colored(message.SenderName, ColorOf(message.SenderName))} {text[4..]}"
            : $"{time} {_screen.Colored(message.SenderName, ColorOf(message.SenderName))}: {text}";
        _screen.WriteLine(line);
    }

    private void StopTyping(string room, string user)
    {
        if (_typing.TryGetValue(room, out var names))
        {
            names.Remove(user);
        }
    }

    private void Redraw()
    {
        var parts = new List<string> { _link, _room is null ? "no room" : "#" + _room };
        if (_room is not null && _typing.TryGetValue(_room, out var typists) && typists.Count > 0)
        {
            parts.Add($"{string.Join(", ", typists)} {(typists.Count == 1 ? "is" : "are")} typing…");
        }

        var online = _people.Values.Where(p => p.Status is PresenceStatus.Online or PresenceStatus.Away or PresenceStatus.Busy).Select(p => p.UserName).Order().ToList();
        parts.Add($"online: {(online.Count == 0 ? "-" : string.Join(", ", online))}");
        var unread = _unread.Where(u => u.Value > 0).Select(u => $"#{u.Key}({u.Value})").ToList();
        if (unread.Count > 0)
        {
            parts.Add("unread " + string.Join(" ", unread));
        }

        if (_session.PendingSends > 0)
        {
            parts.Add($"{_session.PendingSends} unsent");
        }

        _screen.SetStatus(string.Join(" | ", parts));
        var prompt = _room is null ? "> " : _editing is { } editing ? $"#{_room} edit #{editing.Seq}> " : $"#{_room}> ";
        _screen.SetInput(prompt, _input, _cursor);
    }

    private static int ColorOf(string name)
    {
        // A fixed hash (string.GetHashCode differs per process), so a user keeps their colour.
        var hash = 0;
        foreach (var c in name)
        {
            hash = unchecked((hash * 31) + c);
        }

        return Palette[(int)((uint)hash % Palette.Length)];
    }
}
