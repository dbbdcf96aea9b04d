using ChatGrpc.Interop;
using ChatGrpc.Wire.Client;

// Serve:  dotnet run --project ChatGrpc.Interop -- --port 50051 [--web_port 50052]
// Client: dotnet run --project ChatGrpc.Interop -- client --server_port 50051 --test_case large_unary
var options = ParseOptions(args);
if (args.Length > 0 && args[0] == "client")
{
    var host = options.GetValueOrDefault("server_host", "127.0.0.1");
    using var channel = GrpcChannel.ForAddress($"http://{host}:{options["server_port"]}");
    var cases = options.TryGetValue("test_case", out var only) && only != "all" ? [only] : InteropClient.Cases;
    var failures = 0;
    foreach (var testCase in cases)
    {
        try
        {
            await new InteropClient(channel).RunAsync(testCase);
            Console.WriteLine($"OK: {testCase}");
        }
        catch (Exception ex)
        {
            failures++;
            Console.Error.WriteLine($"FAIL: {testCase}: {ex.Message}");
        }
    }

    return failures == 0 ? 0 : 1;
}

if (!options.TryGetValue("port", out var portText) || !int.TryParse(portText, out var port))
{
    Console.Error.WriteLine("usage: ChatGrpc.Interop --port N [--web_port M] | client --server_port N [--test_case NAME|all]");
    return 2;
}

int? webPort = options.TryGetValue("web_port", out var webText) ? int.Parse(webText, System.Globalization.CultureInfo.InvariantCulture) : null;
var app = InteropServer.Build(port, webPort);
await app.StartAsync();
Console.WriteLine($"listening {port}" + (webPort is null ? "" : $" web {webPort}"));
await app.WaitForShutdownAsync();
return 0;

static Dictionary<string, string> ParseOptions(string[] args)
{
    var result = new Dictionary<string, string>();
    for (var i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal))
        {
            continue;
        }

        var arg = args[i][2..];
        var eq = arg.IndexOf('=');
        if (eq >= 0)
        {
            result[arg[..eq]] = arg[(eq + 1)..];
        }
        else if (i + 1 < args.Length)
        {
            result[arg] = args[++i];
        }
    }

    return result;
}
