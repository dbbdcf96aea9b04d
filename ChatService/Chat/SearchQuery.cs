using System.Text.RegularExpressions;
using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// A search as people type it, turned into terms the index can take: words of letters, digits and
/// marks (everything else separates them, so no query syntax reaches the store), lower-cased, with
/// a trailing * kept as a prefix match.
/// </summary>
public static partial class SearchQuery
{
    public const int MaxLength = 200;
    public const int MaxTerms = 10;

    public static IReadOnlyList<SearchTerm> Parse(string query)
    {
        var length = SafeText.CodePoints(query);
        if (length == 0 || string.IsNullOrWhiteSpace(query))
        {
            throw ChatException.InvalidArgument("Say what to search for: query is empty.");
        }

        if (length > MaxLength)
        {
            throw ChatException.InvalidArgument($"A search query is at most {MaxLength} characters; this one has {length}.");
        }

        var terms = Words().Matches(query)
            .Select(m => new SearchTerm(m.Groups["word"].Value.ToLowerInvariant(), m.Groups["star"].Success))
            .DistinctBy(t => (t.Word, t.Prefix))
            .ToList();
        if (terms.Count == 0)
        {
            throw ChatException.InvalidArgument("A search needs at least one word of letters or digits.");
        }

        if (terms.Count > MaxTerms)
        {
            throw ChatException.InvalidArgument($"A search takes at most {MaxTerms} words; this one has {terms.Count}.");
        }

        return terms;
    }

    /// <summary>What a word is, in a query and in the text a snippet shows: group "word", and "star" after a query's prefix word.</summary>
    [GeneratedRegex(@"(?<word>[\p{L}\p{N}\p{M}]+)(?<star>\*)?")]
    internal static partial Regex Words();
}
