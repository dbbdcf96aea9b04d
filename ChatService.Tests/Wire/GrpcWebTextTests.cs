using System.Text;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Protocol;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class GrpcWebTextTests
{
    [TestMethod]
    [DataRow(new byte[] { 1, 2, 3, 4 }, new byte[] { 5 }, DisplayName = "== then ==")]
    [DataRow(new byte[] { 1, 2, 3, 4, 5 }, new byte[] { 6, 7 }, DisplayName = "= then =")]
    [DataRow(new byte[] { 1, 2, 3 }, new byte[] { 4 }, DisplayName = "unpadded then ==")]
    [DataRow(new byte[] { 1 }, new byte[] { 2, 3, 4 }, DisplayName = "== then unpadded")]
    public void Decode_TwoSeparatelyPaddedChunks_ReturnsBothConcatenated(byte[] first, byte[] second)
    {
        // Each flush of a text-mode stream is encoded on its own, so padding can sit mid-body.
        var body = Convert.ToBase64String(first) + Convert.ToBase64String(second);

        var decoded = GrpcWebText.Decode(Encoding.ASCII.GetBytes(body));

        Assert.AreSequenceEqual(first.Concat(second).ToArray(), decoded);
    }

    [TestMethod]
    public void Decode_ThreeFramesEncodedSeparately_RestoresTheFrameStream()
    {
        var frames = new[] { WireFrames.Build(0, [1, 2]), WireFrames.Build(0, [3]), WireFrames.Build(0x80, Encoding.ASCII.GetBytes("grpc-status: 0\r\n")) };
        var body = string.Concat(frames.Select(Convert.ToBase64String));

        var decoded = GrpcWebText.Decode(Encoding.ASCII.GetBytes(body));

        Assert.AreSequenceEqual(WireFrames.Concat(frames), decoded);
    }

    [TestMethod]
    public void Encode_ThenDecode_RoundTrips()
    {
        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        GrpcWebText.Encode(data, output);

        Assert.AreEqual(Convert.ToBase64String(data), Encoding.ASCII.GetString(output.WrittenSpan));
        Assert.AreSequenceEqual(data, GrpcWebText.Decode(output.WrittenSpan));
    }

    [TestMethod]
    [DataRow("AQIDBA=", DisplayName = "padding does not close the group")]
    [DataRow("AQ!D", DisplayName = "not base64")]
    public void Decode_Malformed_ThrowsInternal(string body)
    {
        var ex = Assert.ThrowsExactly<RpcException>(() => GrpcWebText.Decode(Encoding.ASCII.GetBytes(body)));
        Assert.AreEqual(StatusCode.Internal, ex.StatusCode);
    }
}
