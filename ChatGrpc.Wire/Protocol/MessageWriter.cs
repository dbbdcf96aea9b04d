using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ChatGrpc.Wire.Protocol;

/// <summary>Writes length-prefixed gRPC frames (and gRPC-Web trailer frames) into a buffer writer.</summary>
internal static class MessageWriter
{
    public static void WriteMessage<T>(IBufferWriter<byte> output, T message, Marshaller<T> marshaller, int maxMessageSize, string? compression)
    {
        var size = marshaller.Size(message);
        if (size > maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {maxMessageSize}).");
        }

        if (compression is null)
        {
            WriteHeader(output, 0, size);
            marshaller.Serialize(message, output);
            return;
        }

        var plain = new ArrayBufferWriter<byte>(size);
        marshaller.Serialize(message, plain);
        var compressed = MessageCompression.Compress(compression, plain.WrittenSpan);
        WriteHeader(output, GrpcProtocol.CompressedFlag, compressed.Length);
        output.Write(compressed);
    }

    /// <summary>Writes an already-serialized payload, so one broadcast can be encoded once and written many times.</summary>
    public static void WriteSerialized(IBufferWriter<byte> output, ReadOnlySpan<byte> payload)
    {
        WriteHeader(output, 0, payload.Length);
        output.Write(payload);
    }

    /// <summary>gRPC-Web sends trailers as a final frame of <c>key: value\r\n</c> lines.</summary>
    public static void WriteWebTrailers(IBufferWriter<byte> output, IEnumerable<KeyValuePair<string, string>> trailers)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in trailers)
        {
            text.Append(key).Append(": ").Append(value).Append("\r\n");
        }

        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        WriteHeader(output, GrpcProtocol.WebTrailersFlag, bytes.Length);
        output.Write(bytes);
    }

    private static void WriteHeader(IBufferWriter<byte> output, byte flag, int length)
    {
        var header = output.GetSpan(GrpcProtocol.FrameHeaderSize);
        header[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)length);
        output.Advance(GrpcProtocol.FrameHeaderSize);
    }
}
