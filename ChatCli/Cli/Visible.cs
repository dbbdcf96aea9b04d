using System.Globalization;
using System.Text;

namespace ChatCli.Cli;

/// <summary>
/// Text from the server (other people's messages, error details) as a terminal may show it: control
/// codes become visible symbols (ESC as ␛, a line break as ␊) and text-direction overrides become
/// &lt;U+202E&gt;, so nothing someone sends can move the cursor, recolour the screen or reorder a line.
/// </summary>
internal static class Visible
{
    public static string Text(string text)
    {
        if (!text.EnumerateRunes().Any(IsHidden))
        {
            return text;
        }

        var shown = new StringBuilder(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            var value = rune.Value;
            if (value == '\t')
            {
                shown.Append(' ');
            }
            else if (value < 0x20)
            {
                // The Control Pictures block draws each C0 code at U+2400 plus its value.
                shown.Append((char)(0x2400 + value));
            }
            else if (value == 0x7F)
            {
                shown.Append('\u2421');
            }
            else if (IsHidden(rune))
            {
                shown.Append(CultureInfo.InvariantCulture, $"<U+{value:X4}>");
            }
            else
            {
                shown.Append(rune.ToString());
            }
        }

        return shown.ToString();
    }

    private static bool IsHidden(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        || rune.Value is 0x061C or 0x200E or 0x200F or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);
}
