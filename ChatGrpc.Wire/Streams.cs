using System.Runtime.CompilerServices;

namespace ChatGrpc.Wire;

/// <summary>A stream of incoming messages.</summary>
public interface IAsyncStreamReader<out T>
{
    T Current { get; }

    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}

/// <summary>A stream of outgoing messages. One write at a time.</summary>
public interface IAsyncStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>
{
}

/// <summary>
/// A response stream that also accepts messages serialized beforehand, so a broadcast can be encoded
/// once and written to many streams. Several payloads are written with one flush.
/// </summary>
public interface ISerializedStreamWriter
{
    Task WriteSerializedAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default);
}

public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Applies to the following writes, e.g. to send one message uncompressed on a compressed call.</summary>
    Client.WriteOptions? WriteOptions { get; set; }

    /// <summary>Half-closes the request stream: the server sees the end of the client's messages.</summary>
    Task CompleteAsync();
}

public static class AsyncStreamReaderExtensions
{
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
