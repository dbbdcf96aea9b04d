using System.Buffers;
using Google.Protobuf;

namespace ChatGrpc.Wire;

/// <summary>Turns messages into bytes and back.</summary>
public sealed class Marshaller<T>
{
    public Marshaller(Func<T, int> size, Action<T, IBufferWriter<byte>> serialize, Func<ReadOnlySequence<byte>, T> deserialize)
    {
        Size = size;
        Serialize = serialize;
        Deserialize = deserialize;
    }

    public Func<T, int> Size { get; }

    public Action<T, IBufferWriter<byte>> Serialize { get; }

    public Func<ReadOnlySequence<byte>, T> Deserialize { get; }
}

public static class Marshallers
{
    public static Marshaller<T> ForProtobuf<T>(MessageParser<T> parser)
        where T : IMessage<T>
        => new(message => message.CalculateSize(), (message, writer) => message.WriteTo(writer), parser.ParseFrom);
}
