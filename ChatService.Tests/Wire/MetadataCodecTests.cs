using ChatGrpc.Wire;
using ChatGrpc.Wire.Protocol;
using Microsoft.AspNetCore.Http;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class MetadataCodecTests
{
    private static readonly byte[] FiveBytes = [0x00, 0x01, 0x02, 0xFE, 0xFF];

    [TestMethod]
    [DataRow("AAEC/v8=", DisplayName = "padded")]
    [DataRow("AAEC/v8", DisplayName = "unpadded")]
    public void FromRequestHeaders_BinaryValue_DecodesWithOrWithoutPadding(string wireValue)
    {
        var headers = new HeaderDictionary { ["x-blob-bin"] = wireValue };

        var metadata = MetadataCodec.FromRequestHeaders(headers);

        Assert.AreSequenceEqual(FiveBytes, metadata.GetBytes("x-blob-bin")!);
    }

    [TestMethod]
    public void FromHttpHeaders_BinaryValuesJoinedWithCommas_BecomeSeparateValues()
    {
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("x-blob-bin", "AQ, AgM=,BAUG");

        var metadata = MetadataCodec.FromHttpHeaders(request.Headers);

        var values = metadata.Where(e => e.Key == "x-blob-bin").Select(e => e.ValueBytes).ToList();
        Assert.HasCount(3, values);
        Assert.AreSequenceEqual(new byte[] { 1 }, values[0]);
        Assert.AreSequenceEqual(new byte[] { 2, 3 }, values[1]);
        Assert.AreSequenceEqual(new byte[] { 4, 5, 6 }, values[2]);
    }

    [TestMethod]
    public void FromRequestHeaders_ProtocolHeaders_AreNotSurfacedAsMetadata()
    {
        var headers = new HeaderDictionary
        {
            ["content-type"] = "application/grpc",
            ["grpc-timeout"] = "1S",
            ["te"] = "trailers",
            ["X-Custom"] = "kept",
            ["grpc-status-details-bin"] = "AQ",
        };

        var metadata = MetadataCodec.FromRequestHeaders(headers);

        Assert.AreEqual("kept", metadata.GetValue("x-custom"));
        Assert.IsNotNull(metadata.Get("grpc-status-details-bin"), "grpc-status-details-bin is application-visible by the spec.");
        Assert.AreEqual(2, metadata.Count);
    }

    [TestMethod]
    public void Write_BinaryValue_IsUnpaddedBase64ThatDecodesBack()
    {
        var written = new List<KeyValuePair<string, string>>();

        MetadataCodec.Write(new Metadata().Add("x-blob-bin", FiveBytes).Add("x-text", "hello"), (k, v) => written.Add(new(k, v)));

        Assert.AreEqual(new KeyValuePair<string, string>("x-blob-bin", "AAEC/v8"), written[0]);
        Assert.AreEqual(new KeyValuePair<string, string>("x-text", "hello"), written[1]);
        Assert.AreSequenceEqual(FiveBytes, MetadataCodec.DecodeBase64(written[0].Value));
    }

    [TestMethod]
    [DataRow("grpc-status")]
    [DataRow("content-type")]
    [DataRow("te")]
    public void Write_ReservedKey_Throws(string key)
    {
        Assert.ThrowsExactly<InvalidOperationException>(() => MetadataCodec.Write(new Metadata().Add(key, "x"), (_, _) => { }));
    }
}
