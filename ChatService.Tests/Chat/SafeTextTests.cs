using ChatService.Chat;
using ChatCli.Cli;

namespace ChatService.Tests.Chat;

/// <summary>How client text is measured, quoted in errors and checked before others see it (server), and shown (CLI).</summary>
[TestClass]
public sealed class SafeTextTests
{
    [TestMethod]
    public void Quote_LongHostileInput_ShortPrefixWithControlsEscaped()
    {
        var hostile = "\u001b[2J\u202eevil\r\n\0" + new string('x', 10_000);

        var quoted = SafeText.Quote(hostile);

        Assert.IsTrue(quoted.Length < 100, quoted);
        Assert.IsTrue(quoted.StartsWith("\\u{001B}[2J\\u{202E}evil\\u{000D}\\u{000A}\\u{0000}", StringComparison.Ordinal), quoted);
        Assert.IsTrue(quoted.EndsWith('…'), quoted);
        Assert.IsFalse(quoted.Any(c => char.IsControl(c) || c == '\u202e'), quoted);
    }

    [TestMethod]
    public void Quote_ShortPlainInput_Unchanged() => Assert.AreEqual("général 🎉", SafeText.Quote("général 🎉"));

    [TestMethod]
    [DataRow("abc", 3)]
    [DataRow("éé", 2)]
    [DataRow("🎉🎉🎉", 3)]
    public void CodePoints_Text_CountsSurrogatePairsOnce(string text, int expected) => Assert.AreEqual(expected, SafeText.CodePoints(text));

    [TestMethod]
    public void CodePoints_LoneSurrogate_CountsAsOne() => Assert.AreEqual(3, SafeText.CodePoints("a\ud800b"));

    [TestMethod]
    public void FitsIn_EmojiAtTheLimit_TrueOneMoreFalse()
    {
        var atLimit = string.Concat(Enumerable.Repeat("😀", 4000));

        Assert.IsTrue(SafeText.FitsIn(atLimit, 4000), "8000 UTF-16 units, 4000 code points");
        Assert.IsFalse(SafeText.FitsIn(atLimit + "a", 4000));
    }

    [TestMethod]
    [DataRow("tab\there")]
    [DataRow("right-to-left \u202e override")]
    [DataRow("isolate \u2066x\u2069")]
    [DataRow("line\u2028separator")]
    [DataRow("bell\u0007")]
    [DataRow("c1 \u009b control")]
    public void RequireLabel_ControlOrBidiCharacter_InvalidArgument(string label)
    {
        var refused = Assert.ThrowsExactly<ChatException>(() => SafeText.RequireLabel(label, 100, "A room title"));

        Assert.AreEqual(ChatErrorCode.InvalidArgument, refused.Code);
        StringAssert.StartsWith(refused.Message, "A room title cannot contain");
    }

    [TestMethod]
    public void RequireLabel_EmojiWithJoinersWithinLimit_Accepted()
    {
        var family = "Team 👩‍👩‍👧 café";

        Assert.AreEqual(family, SafeText.RequireLabel(family, 100, "A room title"));
    }

    [TestMethod]
    public void Visible_EscapeAndOverrideInMessage_ShownAsSymbolsNotExecuted()
    {
        var shown = Visible.Text("hi\u001b[31m red\u202e\nnext\tcol");

        Assert.AreEqual("hi\u241b[31m red<U+202E>\u240anext col", shown);
    }

    [TestMethod]
    public void Visible_PlainUnicode_ReturnedAsIs()
    {
        const string text = "naïve 👩‍💻 текст";

        Assert.AreSame(text, Visible.Text(text));
    }
}
