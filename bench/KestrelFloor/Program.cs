using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

// Bare Kestrel on h2c, configured like the chat server's gRPC listener (HTTP/2 only, the same
// keepalive pings), answering POST /chat.v1.ChatService/Connect with response headers and then
// holding the stream open, reading whatever the client sends, until the client ends or resets it.
// No gRPC, no authentication, no chat state: what an idle session costs below the product.
//
//   dotnet KestrelFloor.dll --port=P    (prints "listening P" once bound; P=0 picks a free port)
var port = int.TryParse(args.FirstOrDefault(a => a.StartsWith("--port=", StringComparison.Ordinal))?["--port=".Length..], out var p) ? p : 0;
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
    kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
    kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
});
var app = builder.Build();
app.MapPost("/chat.v1.ChatService/Connect", HoldAsync);
await app.StartAsync();
var bound = new Uri(app.Urls.First()).Port;
Console.WriteLine($"listening {bound}");
await app.WaitForShutdownAsync();

static async Task HoldAsync(HttpContext context)
{
    // As Grpc.AspNetCore does for streaming calls: an idle client sends nothing, and Kestrel's
    // minimum request body rate would otherwise end the stream after its 5 s grace period.
    if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate)
    {
        minRate.MinDataRate = null;
    }

    context.Response.ContentType = "application/grpc";
    await context.Response.StartAsync(context.RequestAborted);
    await context.Response.Body.FlushAsync(context.RequestAborted);
    // The body reader, not CopyToAsync: that would rent an 80 KiB buffer per stream and inflate the floor.
    var reader = context.Request.BodyReader;
    try
    {
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }
    }
    catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
    {
        return;
    }

    context.Response.AppendTrailer("grpc-status", "0");
}
