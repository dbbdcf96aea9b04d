using System.Text;

namespace ChatCli.Interactive;

/// <summary>
/// The full-screen layout with plain ANSI sequences: messages scroll in the top region while the
/// status line and the input line stay at the bottom. Works in an 80x24 terminal; honours NO_COLOR;
/// puts the terminal back as it was on dispose.
/// </summary>
internal sealed class Terminal : IDisposable
{
    private const string Esc = "\u001b[";
    private readonly object _gate = new();
    private readonly bool _color = Environment.GetEnvironmentVariable("NO_COLOR") is null or "";
    private string _input = "";
    private int _cursor;
    private string _prompt = "> ";

    public Terminal()
    {
        Width = Math.Max(20, SafeSize(() => Console.WindowWidth, 80));
        Height = Math.Max(6, SafeSize(() => Console.WindowHeight, 24));
        Console.OutputEncoding = Encoding.UTF8;
        // Alternate screen, clear, and a scroll region that stops above the status line.
        Write($"{Esc}?1049h{Esc}2J{Esc}1;{Height - 2}r{Esc}{Height - 2};1H");
    }

    public int Width { get; }

    public int Height { get; }

    public static string Paint(string text, int color, bool enabled) => enabled ? $"{Esc}{color}m{text}{Esc}0m" : text;

    public string Colored(string text, int color) => Paint(text, color, _color);

    public string Dim(string text) => _color ? $"{Esc}2m{text}{Esc}0m" : text;

    /// <summary>Appends a line to the message area, wrapping long text.</summary>
    public void WriteLine(string line)
    {
        lock (_gate)
        {
            var output = new StringBuilder();
            output.Append($"{Esc}{Height - 2};1H");
            foreach (var part in Wrap(line))
            {
                output.Append('\n').Append('\r').Append(part);
            }

            Write(output.ToString());
            DrawInput();
        }
    }

    public void SetStatus(string status)
    {
        lock (_gate)
        {
            var text = Truncate(status, Width);
            Write($"{Esc}{Height - 1};1H{Esc}2K" + (_color ? $"{Esc}7m{text.PadRight(Width)}{Esc}0m" : text));
            DrawInput();
        }
    }

    public void SetInput(string prompt, string input, int cursor)
    {
        lock (_gate)
        {
            _prompt = prompt;
            _input = input;
            _cursor = cursor;
            DrawInput();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            Write($"{Esc}r{Esc}?1049l{Esc}0m");
        }
    }

    private void DrawInput()
    {
        var room = Width - _prompt.Length - 1;
        var start = Math.Max(0, _cursor - room);
        var visible = _input.Substring(start, Math.Min(room, _input.Length - start));
        Write($"{Esc}{Height};1H{Esc}2K{_prompt}{visible}{Esc}{Height};{_prompt.Length + _cursor - start + 1}H");
    }

    private IEnumerable<string> Wrap(string line)
    {
        // Escape sequences take no columns; wrap on visible length only when the line has none.
        if (line.Contains('\u001b') || line.Length <= Width)
        {
            yield return line;
            yield break;
        }

        for (var i = 0; i < line.Length; i += Width)
        {
            yield return line.Substring(i, Math.Min(Width, line.Length - i));
        }
    }

    private static string Truncate(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";

    private static void Write(string text)
    {
        Console.Out.Write(text);
        Console.Out.Flush();
    }

    private static int SafeSize(Func<int> read, int fallback)
    {
        try
        {
            var value = read();
            return value > 0 ? value : fallback;
        }
        catch (IOException)
        {
            return fallback;
        }
    }
}
