using ChatService.Hosting;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddChatEndpoints();
builder.Services.AddChatGrpc();

var app = builder.Build();
app.MapChatGrpc();
app.MapGet("/healthz", () => Results.Text("ok"));
await app.RunAsync();

/// <summary>Entry point; public so functional tests can host the real server.</summary>
public partial class Program;
