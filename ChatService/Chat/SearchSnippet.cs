using System.Globalization;
using System.Text;
using ChatGrpc.Contracts.V1;
using ChatService.Storage;

namespace ChatService.Chat;

/// <summary>
/// The piece of a found message a result list shows, and where its matched words are, in code
/// points: clients draw the highlights themselves and never parse markup out of message text.
/// </summary>
public static class SearchSnippet
{
    public const int Length = 200;
    private const int Lead = 60;
    private const string Cut = "…";

    public static SearchHit Hit(StoredMessage message, IReadOnlyList<SearchTerm> terms)
    {
        var text = message.Text;
        var folded = terms.Select(t => (Word: Fold(t.Word), t.Prefix)).ToList();
        var matches = SearchQuery.Words().Matches(text).Select(m => m.Groups["word"])
            .Where(w => Matches(Fold(w.Value), folded)).Select(w => (Start: w.Index, End: w.Index + w.Length)).ToList();
        var (from, to) = (0, text.Length);
        if (SafeText.CodePoints(text) > Length)
        {
            from = StepBack(text, matches.Count > 0 ? matches[0].Start : 0, Lead);
            to = StepForward(text, from, Length);
        }

        var prefix = from > 0 ? Cut : "";
        var hit = new SearchHit { Message = message.ToProto(), Snippet = prefix + text[from..to] + (to < text.Length ? Cut : "") };
        foreach (var (start, end) in matches.Where(m => m.Start >= from && m.End <= to))
        {
            var offset = prefix.Length + SafeText.CodePoints(text[from..start]);
            hit.Highlights.Add(new TextRange { Start = offset, End = offset + SafeText.CodePoints(text[start..end]) });
        }

        return hit;
    }

    private static bool Matches(string word, List<(string Word, bool Prefix)> terms) =>
        terms.Any(t => t.Prefix ? word.StartsWith(t.Word, StringComparison.Ordinal) : word == t.Word);

    /// <summary>Lower case without diacritics, as the SQLite index compares words.</summary>
    private static string Fold(string word)
    {
        var decomposed = word.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed.Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark))
        {
            kept.Append(c);
        }

        return kept.ToString();
    }

    /// <summary>The UTF-16 index <paramref name="codePoints"/> code points before <paramref name="index"/>.</summary>
    private static int StepBack(string text, int index, int codePoints)
    {
        for (; index > 0 && codePoints > 0; codePoints--)
        {
            index -= index > 1 && char.IsLowSurrogate(text[index - 1]) && char.IsHighSurrogate(text[index - 2]) ? 2 : 1;
        }

        return index;
    }

    private static int StepForward(string text, int index, int codePoints)
    {
        for (; index < text.Length && codePoints > 0; codePoints--)
        {
            index += index + 1 < text.Length && char.IsHighSurrogate(text[index]) && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
        }

        return index;
    }
}
