using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Grpc.Health.V1;

// The interactive client and the full command set arrive with the chat contract; for now the CLI
// answers the one question an operator asks first: is the server up?
var server = Environment.GetEnvironmentVariable("CHAT_SERVER") ?? "http://127.0.0.1:5000";
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--server")
    {
        server = args[i + 1];
    }
}

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("usage: chat health [--server URL]   (default $CHAT_SERVER or http://127.0.0.1:5000)");
    return args.Length == 0 ? 1 : 0;
}

if (args[0] != "health")
{
    Console.Error.WriteLine($"chat: unknown command '{args[0]}'. Try 'chat --help'.");
    return 1;
}

using var channel = GrpcChannel.ForAddress(server);
var check = Method.Create<HealthCheckRequest, HealthCheckResponse>(HealthReflection.Descriptor.Services[0], "Check");
try
{
    var response = await channel.UnaryCall(check, new HealthCheckRequest(), new CallOptions().WithDeadlineAfter(TimeSpan.FromSeconds(5)));
    Console.WriteLine($"{server}: {response.Status}");
    return response.Status == HealthCheckResponse.Types.ServingStatus.Serving ? 0 : 4;
}
catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
{
    Console.Error.WriteLine($"chat: cannot reach {server} ({ex.Status.Detail}). Is the server running?");
    return 3;
}
