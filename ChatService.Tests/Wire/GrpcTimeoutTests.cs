using ChatGrpc.Wire.Protocol;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class GrpcTimeoutTests
{
    // The protocol's largest expressible timeout: eight nines of hours.
    private static readonly TimeSpan Largest = TimeSpan.FromHours(99_999_999);

    public static IEnumerable<object[]> UnitCases =>
    [
        ["2H", TimeSpan.FromHours(2)],
        ["3M", TimeSpan.FromMinutes(3)],
        ["4S", TimeSpan.FromSeconds(4)],
        ["250m", TimeSpan.FromMilliseconds(250)],
        ["7u", TimeSpan.FromTicks(70)],
        ["700n", TimeSpan.FromTicks(7)],
        ["0S", TimeSpan.Zero],
        ["99999999H", Largest],
    ];

    public static IEnumerable<object[]> RoundTripCases =>
    [
        [TimeSpan.FromTicks(1)],
        [TimeSpan.FromTicks(999_999)],
        [TimeSpan.FromTicks(1_000_001)],
        [TimeSpan.FromMilliseconds(200)],
        [TimeSpan.FromSeconds(1.5)],
        [TimeSpan.FromSeconds(99_999_999) + TimeSpan.FromTicks(1)],
        [TimeSpan.FromMinutes(59) + TimeSpan.FromTicks(3)],
        [TimeSpan.FromDays(400) + TimeSpan.FromMilliseconds(1)],
        [TimeSpan.FromHours(99_999_998) + TimeSpan.FromTicks(1)],
        [Largest],
    ];

    [TestMethod]
    [DynamicData(nameof(UnitCases))]
    public void TryParse_EachUnit_ReturnsTheDuration(string header, TimeSpan expected)
    {
        Assert.IsTrue(GrpcTimeout.TryParse(header, out var parsed));
        Assert.AreEqual(expected, parsed);
    }

    [TestMethod]
    [DataRow(null, DisplayName = "missing")]
    [DataRow("", DisplayName = "empty")]
    [DataRow("S", DisplayName = "unit only")]
    [DataRow("10", DisplayName = "no unit")]
    [DataRow("123456789S", DisplayName = "nine digits")]
    [DataRow("10x", DisplayName = "unknown unit")]
    [DataRow("10s", DisplayName = "lower-case seconds")]
    [DataRow("-5S", DisplayName = "negative")]
    [DataRow("+5S", DisplayName = "explicit sign")]
    [DataRow("1.5S", DisplayName = "fraction")]
    [DataRow(" 5S", DisplayName = "leading space")]
    public void TryParse_Malformed_ReturnsFalse(string? header)
    {
        Assert.IsFalse(GrpcTimeout.TryParse(header, out _));
    }

    [TestMethod]
    [DynamicData(nameof(RoundTripCases))]
    public void Format_ThenTryParse_NeverShortensTheTimeout(TimeSpan timeout)
    {
        var header = GrpcTimeout.Format(timeout);

        Assert.IsLessThanOrEqualTo(9, header.Length, $"'{header}' has more than eight digits.");
        Assert.IsTrue(GrpcTimeout.TryParse(header, out var parsed), $"'{header}' does not parse.");
        Assert.IsGreaterThanOrEqualTo(timeout, parsed, $"'{header}' shortened {timeout}.");
        // Rounding up is allowed, by at most one unit of the chosen resolution (1% at the coarsest step).
        Assert.IsLessThanOrEqualTo(timeout + timeout / 100 + TimeSpan.FromTicks(1), parsed, $"'{header}' lengthened {timeout} too much.");
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(-1L)]
    public void Format_ZeroOrNegative_IsStillAPositiveTimeout(long ticks)
    {
        var header = GrpcTimeout.Format(TimeSpan.FromTicks(ticks));

        Assert.IsTrue(GrpcTimeout.TryParse(header, out _), $"'{header}' does not parse.");
        Assert.AreEqual("1n", header);
    }

    [TestMethod]
    public void Format_BeyondLargestExpressible_ClampsToLargest()
    {
        Assert.AreEqual("99999999H", GrpcTimeout.Format(Largest + TimeSpan.FromHours(1)));
        Assert.AreEqual("99999999H", GrpcTimeout.Format(TimeSpan.MaxValue));
    }
}
