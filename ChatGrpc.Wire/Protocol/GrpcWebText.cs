using System.Buffers;
using System.Buffers.Text;

namespace ChatGrpc.Wire.Protocol;

/// <summary>
/// gRPC-Web text mode is the binary protocol in base64. Each flush is encoded on its own,
/// padding included, so decoders must accept padding in the middle of a body.
/// </summary>
internal static class GrpcWebText
{
    public static void Encode(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(Base64.GetMaxEncodedToUtf8Length(data.Length));
        var status = Base64.EncodeToUtf8(data, span, out _, out var written);
        if (status != OperationStatus.Done)
        {
            throw new InvalidOperationException($"Base64 encoding failed: {status}.");
        }

        output.Advance(written);
    }

    public static byte[] Decode(ReadOnlySpan<byte> text)
    {
        var result = new ArrayBufferWriter<byte>(text.Length * 3 / 4 + 3);
        var start = 0;
        while (start < text.Length)
        {
            var pad = text[start..].IndexOf((byte)'=');
            int end;
            if (pad < 0)
            {
                end = text.Length;
            }
            else
            {
                var chunkLength = pad + 1;
                end = start + (chunkLength + 3) / 4 * 4;
                if (end > text.Length)
                {
                    throw new RpcException(StatusCode.Internal, "Malformed grpc-web-text body: padding does not close a base64 group.");
                }
            }

            DecodeChunk(text[start..end], result);
            start = end;
        }

        return result.WrittenSpan.ToArray();
    }

    private static void DecodeChunk(ReadOnlySpan<byte> chunk, ArrayBufferWriter<byte> output)
    {
        var span = output.GetSpan(Base64.GetMaxDecodedFromUtf8Length(chunk.Length));
        var status = Base64.DecodeFromUtf8(chunk, span, out _, out var written);
        if (status != OperationStatus.Done)
        {
            throw new RpcException(StatusCode.Internal, "Malformed grpc-web-text body: not valid base64.");
        }

        output.Advance(written);
    }
}
