using ChatCli.Cli;
using ChatCli.Client;
using ChatGrpc.Contracts.V1;

namespace ChatCli.Interactive;

/// <summary>Keyboard handling, typing notifications and slash commands.</summary>
internal sealed partial class InteractiveChat
{
    private static readonly string[] Commands =
    [
        "/join", "/leave", "/rooms", "/create", "/who", "/dm", "/history", "/me", "/seen", "/search", "/reply", "/edit", "/delete", "/status", "/read", "/quit", "/help",
        "/broadcast", "/notify", "/kick", "/stats",
    ];

    /// <summary>Returns false to quit.</summary>
    private async Task<bool> OnKeyAsync(ConsoleKeyInfo key, CancellationToken cancellationToken)
    {
        var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
        if (control && key.Key is ConsoleKey.C or ConsoleKey.D)
        {
            return false;
        }

        switch (key.Key)
        {
            case ConsoleKey.Enter:
                var line = _input.Trim();
                var editing = _editing;
                _input = "";
                _cursor = 0;
                _editing = null;
                Redraw();
                if (editing is not null)
                {
                    Edit(editing, line);
                }
                else if (line.Length > 0 && !await SubmitAsync(line, cancellationToken))
                {
                    return false;
                }

                break;
            case ConsoleKey.UpArrow when _input.Length == 0 && _room is not null && _lastOwn.TryGetValue(_room, out var own):
                // As in the chat apps people know: the up arrow on an empty line edits your last message.
                _editing = own;
                _input = own.Text;
                _cursor = _input.Length;
                break;
            case ConsoleKey.Escape when _editing is not null:
                _editing = null;
                _input = "";
                _cursor = 0;
                break;
            case ConsoleKey.Backspace when _cursor > 0:
                _input = _input.Remove(--_cursor, 1);
                break;
            case ConsoleKey.Delete when _cursor < _input.Length:
                _input = _input.Remove(_cursor, 1);
                break;
            case ConsoleKey.LeftArrow when _cursor > 0:
                _cursor--;
                break;
            case ConsoleKey.RightArrow when _cursor < _input.Length:
                _cursor++;
                break;
            case ConsoleKey.Home:
                _cursor = 0;
                break;
            case ConsoleKey.End:
                _cursor = _input.Length;
                break;
            case ConsoleKey.Tab:
                Complete();
                break;
            default:
                if (!char.IsControl(key.KeyChar))
                {
                    _input = _input.Insert(_cursor++, key.KeyChar.ToString());
                    OnTyped();
                }

                break;
        }

        Redraw();
        return true;
    }

    /// <summary>Tells the room at most every few seconds while the user types; <see cref="CheckTypingIdle"/> clears it.</summary>
    private void OnTyped()
    {
        _lastKeyAt = DateTimeOffset.UtcNow;
        if (_room is null || _input.StartsWith('/'))
        {
            return;
        }

        if (_lastKeyAt - _typingSentAt > TypingRefresh)
        {
            _typingSentAt = _lastKeyAt;
            _session.SetTyping(_room, true);
        }
    }

    private void CheckTypingIdle()
    {
        if (_room is not null && _typingSentAt != default && DateTimeOffset.UtcNow - _lastKeyAt > TypingIdle)
        {
            _typingSentAt = default;
            _session.SetTyping(_room, false);
        }
    }

    private async Task<bool> SubmitAsync(string line, CancellationToken cancellationToken)
    {
        if (!line.StartsWith('/') || line.StartsWith("/me ", StringComparison.Ordinal))
        {
            if (_room is null)
            {
                _screen.WriteLine(_screen.Colored("! Join a room first: /join <room>", 31));
                return true;
            }

            _typingSentAt = default;
            Background.Forget(_session.SendAsync(_room, line));
            return true;
        }

        var words = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        try
        {
            return await RunCommandAsync(words[0], words.Length > 1 ? words[1] : "", words.Length > 2 ? words[2] : "", cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _screen.WriteLine(_screen.Colored("! " + CliErrors.Explain(ex, access.Server).Message, 31));
            return true;
        }
    }

    /// <summary>Sends an edit; the room's message_edited shows it. Empty text keeps the message as it was.</summary>
    private void Edit(ChatMessage message, string text)
    {
        if (text.Length == 0 || text == message.Text)
        {
            return;
        }

        Background.Forget(_session.EditAsync(message.Room, message.Seq, text));
    }

    private async Task<bool> RunCommandAsync(string command, string first, string rest, CancellationToken cancellationToken)
    {
        var options = await access.AuthorizedAsync(cancellationToken: cancellationToken);
        switch (command)
        {
            case "/quit":
                return false;
            case "/help":
                _screen.WriteLine("/join <room>  /leave  /rooms  /create <room> [private]  /who  /dm <user>  /history [n]");
                _screen.WriteLine("/search <words> (every room of yours; word* for a prefix)  /seen (who read your last message)");
                _screen.WriteLine("/me <action>  /reply [#seq] <text>  /edit <text> (or the up arrow)  /delete [seq]  /status online|away|busy [text]  /read  /quit");
                _screen.WriteLine("admins: /broadcast <text>  /notify <user> <text>  /kick <user> [reason]  /stats");
                break;
            case "/join" when first.Length > 0:
                SwitchTo(first);
                break;
            case "/leave" when _room is not null:
                _session.Leave(_room);
                _screen.WriteLine(_screen.Dim($"left #{_room}"));
                _room = _session.Rooms.FirstOrDefault();
                break;
            case "/rooms":
                foreach (var room in (await access.Chat.ListRoomsAsync(new ListRoomsRequest { IncludePublic = true }, options)).Rooms)
                {
                    _screen.WriteLine($"  #{room.Id} ({Output.Kind(room.Kind)}, {room.MemberCount} members{(room.IsMember ? $", {room.LastSeq - Math.Min(room.ReadSeq, room.LastSeq)} unread" : "")})");
                }

                break;
            case "/create" when first.Length > 0:
                var kind = rest.Trim() == "private" ? RoomKind.Private : RoomKind.Public;
                await access.Chat.CreateRoomAsync(new CreateRoomRequest { Id = first, Kind = kind }, options);
                SwitchTo(first);
                break;
            case "/who" when _room is not null:
                foreach (var member in (await access.Chat.GetMembersAsync(new GetMembersRequest { Room = _room }, options)).Members)
                {
                    _screen.WriteLine($"  {member.UserName}: {Output.Presence(member)}");
                }

                break;
            case "/dm" when first.Length > 0:
                var direct = await access.Chat.OpenDirectAsync(new OpenDirectRequest { UserName = first }, options);
                SwitchTo(direct.Room.Id);
                break;
            case "/reply" when _room is not null && first.Length > 0:
                // "/reply #12 text" answers message 12; "/reply text" the newest message from someone else.
                var named = first.StartsWith('#') && ulong.TryParse(first[1..], out var seqNamed) ? seqNamed : 0;
                var answered = named > 0 ? named : _lastOthers.GetValueOrDefault(_room)?.Seq ?? 0;
                var reply = (named > 0 ? rest : first + " " + rest).Trim();
                if (answered == 0 || reply.Length == 0)
                {
                    _screen.WriteLine(_screen.Colored("! /reply [#seq] <text>: nothing to answer yet in this room, or no text.", 31));
                }
                else
                {
                    _typingSentAt = default;
                    Background.Forget(_session.SendAsync(_room, reply, answered));
                }

                break;
            case "/edit" when _room is not null && first.Length > 0:
                if (_lastOwn.TryGetValue(_room, out var last))
                {
                    Edit(last, (first + " " + rest).Trim());
                }
                else
                {
                    _screen.WriteLine(_screen.Colored($"! You have sent nothing in #{_room} this session to edit.", 31));
                }

                break;
            case "/delete" when _room is not null:
                var seq = ulong.TryParse(first, out var given) ? given : _lastOwn.GetValueOrDefault(_room)?.Seq ?? 0;
                if (seq == 0)
                {
                    _screen.WriteLine(_screen.Colored("! /delete <seq> names the message (history shows #seq); alone it deletes your last one.", 31));
                }
                else
                {
                    Background.Forget(_session.DeleteAsync(_room, seq));
                }

                break;
            case "/seen" when _room is not null:
                if (!_lastOwn.TryGetValue(_room, out var mine))
                {
                    _screen.WriteLine(_screen.Dim("  you have sent nothing here this session"));
                    break;
                }

                var readers = _receipts.GetValueOrDefault(_room)?.Values
                    .Where(r => r.UserId != _session.User?.Id && r.Seq >= mine.Seq).Select(r => r.UserName).Order().ToList() ?? [];
                _screen.WriteLine(_screen.Dim(readers.Count == 0 ? $"  #{mine.Seq} not seen by anyone yet" : $"  #{mine.Seq} seen by {string.Join(", ", readers)}"));
                break;
            case "/search" when first.Length > 0:
                var found = await access.Chat.SearchAsync(new SearchRequest { Query = (first + " " + rest).Trim(), Limit = 10 }, options);
                _screen.WriteLine(_screen.Dim(found.Hits.Count == 0 ? "  no messages match" : $"  {found.Hits.Count} best matches:"));
                foreach (var hit in found.Hits)
                {
                    _screen.WriteLine(_screen.Dim($"  [{hit.Message.Room}] #{hit.Message.Seq} {hit.Message.SenderName}: {Visible.Text(hit.Snippet)}"));
                }

                break;
            case "/history" when _room is not null:
                var limit = int.TryParse(first, out var n) ? n : 20;
                foreach (var message in (await access.Chat.HistoryAsync(new HistoryRequest { Room = _room, Limit = limit }, options)).Messages)
                {
                    _screen.WriteLine(_screen.Dim(Output.Line(message)));
                }

                break;
            case "/status":
                var status = first switch { "away" => PresenceStatus.Away, "busy" => PresenceStatus.Busy, _ => PresenceStatus.Online };
                _session.SetPresence(status, rest);
                break;
            case "/read" when _room is not null:
                _session.MarkRead(_room);
                _unread.Remove(_room);
                break;
            case "/broadcast" when first.Length > 0:
                var sent = await access.Admin.BroadcastAsync(new BroadcastRequest { Body = (first + " " + rest).Trim() }, options);
                _screen.WriteLine(_screen.Dim($"broadcast to {sent.Connections} connections"));
                break;
            case "/notify" when first.Length > 0 && rest.Length > 0:
                var notified = await access.Admin.NotifyAsync(new NotifyRequest { UserName = first, Body = rest }, options);
                _screen.WriteLine(_screen.Dim($"notified {first} on {notified.Connections} connections"));
                break;
            case "/kick" when first.Length > 0:
                var kicked = await access.Admin.KickAsync(new KickRequest { UserName = first, Reason = rest }, options);
                _screen.WriteLine(_screen.Dim($"disconnected {kicked.Connections} connections of {first}"));
                break;
            case "/stats":
                var s = await access.Admin.GetStatsAsync(new GetStatsRequest(), options);
                _screen.WriteLine($"  connections {s.Connections}, online {s.UsersOnline}, rooms {s.Rooms}, messages {s.MessagesStored}, {s.MessagesPerSecond:0.0} msg/s");
                break;
            default:
                _screen.WriteLine(_screen.Colored($"! Unknown or incomplete command '{command}'. /help lists them.", 31));
                break;
        }

        return true;
    }

    private void SwitchTo(string room)
    {
        var known = _session.Rooms.Contains(room);
        _room = room;
        _unread.Remove(room);
        if (!known)
        {
            Background.Forget(_session.JoinAsync(room));
        }

        _screen.WriteLine(_screen.Dim($"-- #{room} --"));
    }

    private void Complete()
    {
        var space = _input.LastIndexOf(' ');
        var word = _input[(space + 1)..];
        if (word.StartsWith('@'))
        {
            // Mention completion: the people of the open room.
            var names = _people.Values.Select(p => p.UserName).Where(n => n.StartsWith(word[1..], StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
            if (names.Count == 1)
            {
                _input = _input[..(space + 1)] + "@" + names[0] + " ";
                _cursor = _input.Length;
            }
            else if (names.Count > 1)
            {
                _screen.WriteLine(_screen.Dim(string.Join("  ", names.Select(n => "@" + n))));
            }

            return;
        }

        IEnumerable<string> candidates = space < 0 && word.StartsWith('/')
            ? Commands
            : _input.StartsWith("/join ", StringComparison.Ordinal) || _input.StartsWith("/leave ", StringComparison.Ordinal)
                ? _session.Rooms
                : _people.Values.Select(p => p.UserName);
        var matches = candidates.Where(c => c.StartsWith(word, StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
        if (matches.Count == 1)
        {
            _input = _input[..(space + 1)] + matches[0] + " ";
            _cursor = _input.Length;
        }
        else if (matches.Count > 1)
        {
            _screen.WriteLine(_screen.Dim(string.Join("  ", matches)));
        }
    }
}
