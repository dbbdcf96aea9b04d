using System.Buffers;
using System.IO.Compression;

namespace ChatGrpc.Wire.Protocol;

/// <summary>Per-message compression. gzip is the one algorithm besides identity every gRPC stack speaks.</summary>
internal static class MessageCompression
{
    public static bool IsSupported(string encoding) =>
        encoding is GrpcProtocol.IdentityEncoding or GrpcProtocol.GzipEncoding;

    public static byte[] Compress(string encoding, ReadOnlySpan<byte> data)
    {
        EnsureGzip(encoding);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    public static byte[] Decompress(string encoding, ReadOnlySequence<byte> data, int maxSize)
    {
        EnsureGzip(encoding);
        using var input = new MemoryStream(data.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = gzip.Read(chunk)) > 0)
            {
                if (output.Length + read > maxSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted, $"Decompressed message larger than max ({maxSize} bytes).");
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to decompress message: {ex.Message}");
        }

        return output.ToArray();
    }

    private static void EnsureGzip(string encoding)
    {
        if (encoding != GrpcProtocol.GzipEncoding)
        {
            throw new RpcException(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'. Supported: {GrpcProtocol.SupportedEncodings}.");
        }
    }
}
