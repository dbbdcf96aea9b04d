using ChatGrpc.Wire.Protocol;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class PercentEncodingTests
{
    // The interop suite's special_status_message: control characters, BMP and non-BMP code points.
    private const string Special = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";

    // Spelled out by hand from the UTF-8 bytes: ☺ is E2 98 BA, 😈 is F0 9F 98 88.
    private const string SpecialEncoded = "%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A";

    [TestMethod]
    public void Encode_SpecialStatusMessage_EscapesControlAndNonAsciiBytes()
    {
        Assert.AreEqual(SpecialEncoded, PercentEncoding.Encode(Special));
    }

    [TestMethod]
    public void Decode_SpecialStatusMessage_RestoresTheOriginal()
    {
        Assert.AreEqual(Special, PercentEncoding.Decode(SpecialEncoded));
    }

    [TestMethod]
    public void Decode_LowerCaseHexEscapes_AreAccepted()
    {
        Assert.AreEqual("☺", PercentEncoding.Decode("%e2%98%ba"));
    }

    [TestMethod]
    [DataRow("plain ASCII, nothing to do")]
    [DataRow("100% sure")]
    [DataRow("%")]
    public void EncodeThenDecode_RoundTrips(string message)
    {
        Assert.AreEqual(message, PercentEncoding.Decode(PercentEncoding.Encode(message)));
    }

    [TestMethod]
    public void Encode_PercentSign_IsEscapedSoItCannotBeMistakenForAnEscape()
    {
        Assert.AreEqual("50%25 off", PercentEncoding.Encode("50% off"));
    }

    [TestMethod]
    public void Encode_PrintableAscii_IsUnchanged()
    {
        const string printable = " !\"#$&'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~";
        Assert.AreEqual(printable, PercentEncoding.Encode(printable));
    }

    [TestMethod]
    [DataRow("100% sure", DisplayName = "percent then space")]
    [DataRow("bad %zz escape", DisplayName = "non-hex digits")]
    [DataRow("cut short %4", DisplayName = "one digit at the end")]
    [DataRow("trailing %", DisplayName = "percent at the end")]
    public void Decode_MalformedEscape_IsKeptLiterally(string value)
    {
        Assert.AreEqual(value, PercentEncoding.Decode(value));
    }

    [TestMethod]
    public void Decode_MalformedEscapeBetweenValidOnes_KeepsBoth()
    {
        Assert.AreEqual("☺%zz☺", PercentEncoding.Decode("%E2%98%BA%zz%E2%98%BA"));
    }
}
