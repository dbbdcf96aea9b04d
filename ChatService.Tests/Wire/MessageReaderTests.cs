using System.IO.Pipelines;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Protocol;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class MessageReaderTests
{
    // Inline schedulers make the reader react inside each write, so "not yet complete" is deterministic.
    private static Pipe NewPipe() => new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));

    [TestMethod]
    public async Task ReadAsync_FrameArrivesByteByByte_ReturnsWholeMessageOnlyAtTheEnd()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 1024, null);
        var payload = Enumerable.Range(1, 40).Select(i => (byte)i).ToArray();
        var frame = WireFrames.Build(0, payload);

        var read = reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask();
        for (var i = 0; i < frame.Length; i++)
        {
            Assert.IsFalse(read.IsCompleted, $"The reader returned after only {i} of {frame.Length} bytes.");
            await pipe.Writer.WriteAsync(frame.AsMemory(i, 1)).AsTask().WaitAsync(WireTimeouts.Step);
        }

        var (hasMessage, message) = await read.WaitAsync(WireTimeouts.Step);
        Assert.IsTrue(hasMessage);
        Assert.AreSequenceEqual(payload, message);
    }

    [TestMethod]
    public async Task ReadAsync_SeveralFramesInOneWrite_ReturnsEachInOrderThenEnd()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 1024, null);
        byte[][] payloads = [[1, 2, 3], [], [9, 8, 7, 6, 5]];
        await pipe.Writer.WriteAsync(WireFrames.Concat(payloads.Select(p => WireFrames.Build(0, p)).ToArray())).AsTask().WaitAsync(WireTimeouts.Step);
        await pipe.Writer.CompleteAsync().AsTask().WaitAsync(WireTimeouts.Step);

        foreach (var expected in payloads)
        {
            var (hasMessage, message) = await reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask().WaitAsync(WireTimeouts.Step);
            Assert.IsTrue(hasMessage);
            Assert.AreSequenceEqual(expected, message);
        }

        var (more, _) = await reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask().WaitAsync(WireTimeouts.Step);
        Assert.IsFalse(more, "A cleanly ended stream must report no further message.");
    }

    [TestMethod]
    [DataRow(3, DisplayName = "inside the header")]
    [DataRow(9, DisplayName = "inside the payload")]
    public async Task ReadAsync_StreamEndsInsideFrame_ThrowsInternal(int bytesSent)
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 1024, null);
        var frame = WireFrames.Build(0, new byte[10]);
        await pipe.Writer.WriteAsync(frame.AsMemory(0, bytesSent)).AsTask().WaitAsync(WireTimeouts.Step);
        await pipe.Writer.CompleteAsync().AsTask().WaitAsync(WireTimeouts.Step);

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask().WaitAsync(WireTimeouts.Step));
        Assert.AreEqual(StatusCode.Internal, ex.StatusCode);
    }

    [TestMethod]
    public async Task ReadAsync_DeclaredLengthOverLimit_ThrowsResourceExhaustedBeforePayloadArrives()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 1024, null);
        // Only the header is written and the pipe stays open: the reader must judge the length alone.
        await pipe.Writer.WriteAsync(WireFrames.Build(0, new byte[1025]).AsMemory(0, 5)).AsTask().WaitAsync(WireTimeouts.Step);

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask().WaitAsync(WireTimeouts.Step));
        Assert.AreEqual(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [TestMethod]
    public async Task ReadAsync_LengthExactlyAtLimit_IsAccepted()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 1024, null);
        await pipe.Writer.WriteAsync(WireFrames.Build(0, new byte[1024])).AsTask().WaitAsync(WireTimeouts.Step);

        var (hasMessage, message) = await reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask().WaitAsync(WireTimeouts.Step);
        Assert.IsTrue(hasMessage);
        Assert.HasCount(1024, message);
    }

    [TestMethod]
    public async Task ReadAsync_CompressedFlagWithoutEncoding_ThrowsInternal()
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 1024, encoding: null);
        var gzipped = MessageCompression.Compress("gzip", [1, 2, 3]);
        await pipe.Writer.WriteAsync(WireFrames.Build(1, gzipped)).AsTask().WaitAsync(WireTimeouts.Step);

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask().WaitAsync(WireTimeouts.Step));
        Assert.AreEqual(StatusCode.Internal, ex.StatusCode);
    }

    [TestMethod]
    [DataRow((byte)0x02)]
    [DataRow((byte)0x80)]
    [DataRow((byte)0xFF)]
    public async Task ReadAsync_UnknownFlagByte_ThrowsInternal(byte flag)
    {
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 1024, null);
        await pipe.Writer.WriteAsync(WireFrames.Build(flag, [1, 2, 3])).AsTask().WaitAsync(WireTimeouts.Step);

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask().WaitAsync(WireTimeouts.Step));
        Assert.AreEqual(StatusCode.Internal, ex.StatusCode);
    }

    [TestMethod]
    public async Task ReadAsync_GzipFrameInflatingPastLimit_ThrowsResourceExhausted()
    {
        // A small compressed frame can expand enormously; the limit applies after decompression.
        var pipe = NewPipe();
        var reader = new MessageReader(pipe.Reader, 1024, "gzip");
        var bomb = MessageCompression.Compress("gzip", new byte[64 * 1024]);
        Assert.IsLessThan(1024, bomb.Length, "The compressed frame itself must fit under the limit for this test to mean anything.");
        await pipe.Writer.WriteAsync(WireFrames.Build(1, bomb)).AsTask().WaitAsync(WireTimeouts.Step);

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() => reader.ReadAsync(WireFrames.Raw, CancellationToken.None).AsTask().WaitAsync(WireTimeouts.Step));
        Assert.AreEqual(StatusCode.ResourceExhausted, ex.StatusCode);
    }
}
