using System.Globalization;
using System.Text;

namespace ChatService.Chat;

/// <summary>
/// Client text that other people or operators get to see: error messages quote it, titles and status
/// lines show it to everyone in a room. Quoting bounds and escapes it; the checks refuse characters
/// that would change what a reader's terminal or page shows (control codes, bidi overrides).
/// Lengths are Unicode code points, the unit the contract promises (a Go rune, a Python character).
/// </summary>
public static class SafeText
{
    /// <summary>How much of an input an error message quotes: enough to recognise it, never all of it.</summary>
    public const int QuotedPrefix = 40;

    /// <summary>
    /// The input as an error message may show it: its first <see cref="QuotedPrefix"/> code points,
    /// with control, line-break and bidi characters written as \u{XXXX}, and an ellipsis if cut.
    /// </summary>
    public static string Quote(string input)
    {
        var quoted = new StringBuilder(Math.Min(input.Length, QuotedPrefix) + 2);
        Span<char> units = stackalloc char[2];
        var shown = 0;
        foreach (var rune in input.EnumerateRunes())
        {
            if (shown == QuotedPrefix)
            {
                quoted.Append('…');
                break;
            }

            if (IsUnsafe(rune))
            {
                quoted.Append(CultureInfo.InvariantCulture, $"\\u{{{rune.Value:X4}}}");
            }
            else
            {
                quoted.Append(units[..rune.EncodeToUtf16(units)]);
            }

            shown++;
        }

        return quoted.ToString();
    }

    /// <summary>Code points in the text: surrogate pairs count once (an emoji is one, as is 'é').</summary>
    public static int CodePoints(string text)
    {
        var count = text.Length;
        for (var i = 0; i < text.Length - 1; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                count--;
                i++;
            }
        }

        return count;
    }

    /// <summary>The first <paramref name="max"/> code points of the text, ending in "…" when it had more.</summary>
    public static string Preview(string text, int max)
    {
        if (FitsIn(text, max))
        {
            return text;
        }

        var end = 0;
        for (var shown = 0; shown < max; shown++)
        {
            end += char.IsHighSurrogate(text[end]) && end + 1 < text.Length && char.IsLowSurrogate(text[end + 1]) ? 2 : 1;
        }

        return text[..end] + "…";
    }

    /// <summary>Whether the text is at most <paramref name="max"/> code points, without counting the usual short text.</summary>
    public static bool FitsIn(string text, int max) => text.Length <= max || CodePoints(text) <= max;

    /// <summary>
    /// Refuses a label others will see (a room title, a status line, a notification title) that is
    /// too long or carries characters that would rewrite the reader's line.
    /// </summary>
    public static string RequireLabel(string text, int maxCodePoints, string what)
    {
        if (!FitsIn(text, maxCodePoints))
        {
            throw ChatException.InvalidArgument($"{what} is at most {maxCodePoints} characters.");
        }

        foreach (var rune in text.EnumerateRunes())
        {
            if (IsUnsafe(rune))
            {
                throw ChatException.InvalidArgument(
                    $"{what} cannot contain control or text-direction characters (found U+{rune.Value:X4}).");
            }
        }

        return text;
    }

    /// <summary>Control codes, line and paragraph separators, and the characters that override text direction.</summary>
    public static bool IsUnsafe(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        || rune.Value is 0x061C or 0x200E or 0x200F or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);
}
