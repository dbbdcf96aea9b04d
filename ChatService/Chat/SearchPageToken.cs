using System.Globalization;
using System.Text;

namespace ChatService.Chat;

/// <summary>Where the next page of a search starts, as an opaque token; results deeper than <see cref="MaxOffset"/> are not paged to.</summary>
public static class SearchPageToken
{
    public const int MaxOffset = Storage.IMessageSearch.RankingWindow;
    private const string Prefix = "o:";

    public static string Write(int offset) => Convert.ToBase64String(Encoding.ASCII.GetBytes(Prefix + offset.ToString(CultureInfo.InvariantCulture)));

    public static int Read(string token)
    {
        if (token.Length == 0)
        {
            return 0;
        }

        try
        {
            var text = token.Length <= 32 ? Encoding.ASCII.GetString(Convert.FromBase64String(token)) : "";
            if (text.StartsWith(Prefix, StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) && offset <= MaxOffset)
            {
                return offset;
            }
        }
        catch (FormatException)
        {
            // Not base64: refused below like any other token this server did not give out.
        }

        throw ChatException.InvalidArgument($"page_token is not one this server gave out (pages go {MaxOffset} results deep at most).");
    }
}
