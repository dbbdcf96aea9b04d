using System.Collections.Concurrent;
using System.Text;

namespace ChatService.Tests.Interop;

/// <summary>Collects each interop case's outcome per client/server pair and prints them as one table.</summary>
internal static class InteropMatrix
{
    private static readonly ConcurrentDictionary<(string Pair, string Case), string> Results = new();
    private static readonly string[] PairOrder =
    [
        "ruby → ours", "grpc-js → ours", "python → ours", "ours → ours", "ours → ruby", "ours → grpc-js", "connect gRPC-Web → ours",
    ];

    public static void Record(string pair, string testCase, bool passed) => Results[(pair, testCase)] = passed ? "pass" : "FAIL";

    public static string Render()
    {
        if (Results.IsEmpty)
        {
            return "";
        }

        var pairs = PairOrder.Where(p => Results.Keys.Any(k => k.Pair == p)).ToList();
        var cases = ChatGrpc.Interop.InteropClient.Cases.Where(c => Results.Keys.Any(k => k.Case == c)).ToList();
        var table = new StringBuilder();
        table.Append("| case | ").AppendJoin(" | ", pairs).AppendLine(" |");
        table.Append("|---|").Append(string.Concat(pairs.Select(_ => "---|"))).AppendLine();
        foreach (var testCase in cases)
        {
            table.Append("| ").Append(testCase).Append(" | ")
                .AppendJoin(" | ", pairs.Select(p => Results.GetValueOrDefault((p, testCase), "n/a")))
                .AppendLine(" |");
        }

        return table.ToString();
    }
}
