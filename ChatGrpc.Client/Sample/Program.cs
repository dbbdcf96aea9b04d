using ChatGrpc.Client;

// dotnet run -- http://127.0.0.1:5000 alice alice-password lobby
var (server, user, password, room) = (args[0], args[1], args[2], args[3]);
using var channel = ChatChannel.Create(server);
await using var chat = new ChatClient(channel, new PasswordLogin(channel, user, password));
await chat.StartAsync();
await chat.JoinAsync(room);

_ = Task.Run(async () =>
{
    await foreach (var e in chat.ReadEventsAsync())
    {
        if (e is FrameReceived { Frame.Message: { } m }) Console.WriteLine($"[{m.Seq}] {m.SenderName}: {m.Text}");
        if (e is ConnectionChanged c) Console.WriteLine($"-- {c.State}");
    }
});

while (Console.ReadLine() is { } line)
{
    var ack = await chat.SendAsync(room, line);
    Console.WriteLine($"-- stored as #{ack.Seq}");
}
