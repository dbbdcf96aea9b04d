using System.Net;

namespace ChatGrpc.Wire.Client;

/// <summary>
/// A request body that stays open while the caller writes messages, so requests and responses
/// flow at the same time. Completing it ends the request stream (END_STREAM).
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Stream> GetStreamAsync(CancellationToken cancellationToken) => _stream.Task.WaitAsync(cancellationToken);

    public void Complete() => _completed.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        // SocketsHttpHandler holds HTTP/2 request headers back until the body is flushed, hoping to send
        // them with the first data; a duplex call whose server speaks first would wait forever.
        await stream.FlushAsync().ConfigureAwait(false);
        _stream.TrySetResult(stream);
        await _completed.Task.ConfigureAwait(false);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        => SerializeToStreamAsync(stream, context);

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
