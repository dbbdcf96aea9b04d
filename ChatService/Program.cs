using ChatService.Hosting;

var builder = HostingExtensions.CreateChatBuilder(args, WebRoot.Locate());
builder.AddChatEndpoints(args);
builder.AddChat();

var app = builder.Build();
app.MapChat();
await app.RunAsync();

/// <summary>Entry point; public so functional tests can host the real server.</summary>
public partial class Program;
