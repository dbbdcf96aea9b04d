using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Protocol;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class MessageWriterTests
{
    [TestMethod]
    public void WriteMessage_Uncompressed_HeaderIsZeroFlagAndBigEndianLength()
    {
        // 0x010203 bytes puts a distinct value in each of the three low length bytes.
        var payload = new byte[0x010203];
        payload[0] = 0xAB;
        payload[^1] = 0xCD;
        var output = new ArrayBufferWriter<byte>();

        MessageWriter.WriteMessage(output, payload, WireFrames.Raw, int.MaxValue, compression: null);

        var written = output.WrittenSpan;
        Assert.AreSequenceEqual(new byte[] { 0x00, 0x00, 0x01, 0x02, 0x03 }, written[..5].ToArray());
        Assert.AreEqual(5 + payload.Length, written.Length);
        Assert.AreEqual(0xAB, written[5]);
        Assert.AreEqual(0xCD, written[^1]);
    }

    [TestMethod]
    public void WriteMessage_EmptyMessage_WritesHeaderOnly()
    {
        var output = new ArrayBufferWriter<byte>();

        MessageWriter.WriteMessage(output, [], WireFrames.Raw, int.MaxValue, compression: null);

        Assert.AreSequenceEqual(new byte[] { 0, 0, 0, 0, 0 }, output.WrittenSpan.ToArray());
    }

    [TestMethod]
    public void WriteMessage_OverSendLimit_ThrowsResourceExhaustedAndWritesNothing()
    {
        var output = new ArrayBufferWriter<byte>();

        var ex = Assert.ThrowsExactly<RpcException>(() => MessageWriter.WriteMessage(output, new byte[11], WireFrames.Raw, 10, compression: null));

        Assert.AreEqual(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.AreEqual(0, output.WrittenCount, "A refused message must not leave a partial frame behind.");
    }

    [TestMethod]
    public void WriteMessage_ExactlyAtSendLimit_IsWritten()
    {
        var output = new ArrayBufferWriter<byte>();

        MessageWriter.WriteMessage(output, new byte[10], WireFrames.Raw, 10, compression: null);

        Assert.AreEqual(15, output.WrittenCount);
    }

    [TestMethod]
    public async Task WriteMessage_Gzip_RoundTripsThroughMessageReader()
    {
        var payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("compress me please ", 200)));
        var output = new ArrayBufferWriter<byte>();

        MessageWriter.WriteMessage(output, payload, WireFrames.Raw, int.MaxValue, compression: "gzip");

        var frames = WireFrames.Parse(output.WrittenSpan.ToArray());
        Assert.HasCount(1, frames);
        Assert.AreEqual(1, frames[0].Flag, "A gzip frame must carry the compressed flag.");
        Assert.IsLessThan(payload.Length, frames[0].Payload.Length, "Repetitive text should shrink under gzip.");

        var reader = new MessageReader(PipeReader.Create(new ReadOnlySequence<byte>(output.WrittenMemory)), 1024 * 1024, "gzip");
        var (hasMessage, message) = await reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask().WaitAsync(WireTimeouts.Step);
        Assert.IsTrue(hasMessage);
        Assert.IsTrue(reader.LastMessageCompressed);
        Assert.AreSequenceEqual(payload, message);
    }

    [TestMethod]
    public void WriteMessage_UnsupportedCompression_ThrowsUnimplemented()
    {
        var output = new ArrayBufferWriter<byte>();

        var ex = Assert.ThrowsExactly<RpcException>(() => MessageWriter.WriteMessage(output, [1, 2, 3], WireFrames.Raw, int.MaxValue, compression: "snappy"));

        Assert.AreEqual(StatusCode.Unimplemented, ex.StatusCode);
    }

    [TestMethod]
    public void WriteWebTrailers_Lines_WritesTrailerFlagAndHeaderBlock()
    {
        var output = new ArrayBufferWriter<byte>();

        MessageWriter.WriteWebTrailers(output, [new("grpc-status", "0"), new("x-extra", "yes")]);

        var frames = WireFrames.Parse(output.WrittenSpan.ToArray());
        Assert.HasCount(1, frames);
        Assert.AreEqual(0x80, frames[0].Flag);
        Assert.AreEqual("grpc-status: 0\r\nx-extra: yes\r\n", Encoding.ASCII.GetString(frames[0].Payload));
    }
}
