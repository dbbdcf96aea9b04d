using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace ChatGrpc.Wire.Protocol;

/// <summary>
/// Reads length-prefixed gRPC messages from a pipe. Frames may arrive split across reads or
/// several to a read; a stream that ends inside a frame is an error, not a silent truncation.
/// </summary>
internal sealed class MessageReader
{
    private readonly PipeReader _input;
    private readonly int _maxMessageSize;
    private readonly string? _encoding;

    public MessageReader(PipeReader input, int maxMessageSize, string? encoding)
    {
        _input = input;
        _maxMessageSize = maxMessageSize;
        _encoding = encoding is null || encoding == GrpcProtocol.IdentityEncoding ? null : encoding;
    }

    /// <summary>Whether the most recent message arrived with the compressed flag set.</summary>
    public bool LastMessageCompressed { get; private set; }

    /// <summary>Reads the next message, or returns false at a clean end of stream.</summary>
    public async ValueTask<(bool HasMessage, T Message)> ReadAsync<T>(Marshaller<T> marshaller, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadFrame(ref buffer, out var compressed, out var payload))
            {
                T message;
                try
                {
                    message = Decode(marshaller, compressed, payload);
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start);
                }

                return (true, message);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var leftover = buffer.Length;
                _input.AdvanceTo(buffer.End);
                if (leftover == 0)
                {
                    return (false, default!);
                }

                throw new RpcException(StatusCode.Internal, $"Incomplete message: the stream ended {leftover} byte(s) into a frame.");
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < GrpcProtocol.FrameHeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
        var flag = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (flag > GrpcProtocol.CompressedFlag)
        {
            throw new RpcException(StatusCode.Internal, $"Unexpected frame flag 0x{flag:X2}.");
        }

        if (length > (uint)_maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {_maxMessageSize}).");
        }

        if (buffer.Length < GrpcProtocol.FrameHeaderSize + length)
        {
            return false;
        }

        compressed = flag == GrpcProtocol.CompressedFlag;
        payload = buffer.Slice(GrpcProtocol.FrameHeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    private T Decode<T>(Marshaller<T> marshaller, bool compressed, ReadOnlySequence<byte> payload)
    {
        LastMessageCompressed = compressed;
        if (!compressed)
        {
            return Deserialize(marshaller, payload);
        }

        if (_encoding is null)
        {
            throw new RpcException(StatusCode.Internal, "Received a compressed message but no grpc-encoding was declared.");
        }

        var inflated = MessageCompression.Decompress(_encoding, payload, _maxMessageSize);
        return Deserialize(marshaller, new ReadOnlySequence<byte>(inflated));
    }

    private static T Deserialize<T>(Marshaller<T> marshaller, ReadOnlySequence<byte> payload)
    {
        try
        {
            return marshaller.Deserialize(payload);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize message: {ex.Message}");
        }
    }
}
