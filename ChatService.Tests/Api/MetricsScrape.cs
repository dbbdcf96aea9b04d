using System.Globalization;
using System.Text.RegularExpressions;
using ChatService.Tests.Chat;

namespace ChatService.Tests.Api;

/// <summary>Reads a test server's /metrics the way Prometheus does, and sums a metric's samples.</summary>
internal static partial class MetricsScrape
{
    public static async Task<string> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics").WaitAsync(ChatServerHost.Timeout);
        Assert.AreEqual(System.Net.HttpStatusCode.OK, response.StatusCode);
        StringAssert.StartsWith(response.Content.Headers.ContentType?.MediaType, "text/plain");
        return await response.Content.ReadAsStringAsync().WaitAsync(ChatServerHost.Timeout);
    }

    /// <summary>The sum of a metric's samples over all label sets; 0 when it has none yet.</summary>
    public static double Counter(string text, string name) =>
        Sample().Matches(text)
            .Where(m => m.Groups["name"].Value == name)
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    /// <summary>Scrapes until <paramref name="done"/> holds for a fresh reading (the exporter caches one briefly).</summary>
    public static async Task<string> ScrapeUntilAsync(HttpClient http, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + ChatServerHost.Timeout;
        string text;
        do
        {
            await Task.Delay(100);
            text = await ScrapeAsync(http);
        }
        while (!done(text) && DateTime.UtcNow < deadline);

        return text;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (?<value>[-+0-9.eE]+|NaN)( \d+)?$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
