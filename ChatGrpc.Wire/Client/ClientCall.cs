using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using ChatGrpc.Wire.Protocol;

namespace ChatGrpc.Wire.Client;

/// <summary>
/// The client half of one call, whatever its kind: sends the request over HTTP/2, reads
/// response frames, and turns HTTP status, headers, trailers and transport errors into one gRPC status.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IClientCall<TResponse>, IClientStreamWriter<TRequest>
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcProtocol.ContentType);

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _callCancellation;
    private readonly CancellationTokenSource? _deadlineCancellation;
    private readonly TaskCompletionSource<Metadata> _responseHeaders = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private Task<HttpResponseMessage>? _sendTask;
    private Task<MessageReader>? _headersTask;
    private HttpResponseMessage? _response;
    private MessageReader? _reader;
    private StreamingRequestContent? _requestContent;
    private Status? _status;
    private Metadata? _trailers;
    private bool _requestCompleted;
    private int _disposed;

    public ClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _callCancellation = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
            _deadlineCancellation = new CancellationTokenSource();
            _deadlineCancellation.Token.Register(static state => ((CancellationTokenSource)state!).Cancel(), _callCancellation);
            _deadlineCancellation.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        // Observed so a call whose headers are never awaited does not raise unobserved-task errors.
        _responseHeaders.Task.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    public TResponse Current { get; private set; } = default!;

    /// <summary>Starts reading the response headers if nothing has yet: a caller may wait for them before reading any message.</summary>
    public Task<Metadata> ResponseHeadersAsync
    {
        get
        {
            _ = StartReceivingHeaders();
            return _responseHeaders.Task;
        }
    }

    public WriteOptions? WriteOptions { get; set; }

    private CancellationToken Token => _callCancellation.Token;

    public void StartUnary(TRequest request)
    {
        var frame = new ArrayBufferWriter<byte>();
        try
        {
            MessageWriter.WriteMessage(frame, request, _method.RequestMarshaller, _channel.Options.MaxSendMessageSize, _options.Compression);
        }
        catch (RpcException ex)
        {
            Fail(ex.Status);
            _sendTask = Task.FromException<HttpResponseMessage>(ex);
            return;
        }

        var content = new ReadOnlyMemoryContent(frame.WrittenMemory);
        content.Headers.ContentType = GrpcContentType;
        _requestCompleted = true;
        Send(content);
    }

    public void StartStreaming()
    {
        _requestContent = new StreamingRequestContent();
        _requestContent.Headers.ContentType = GrpcContentType;
        Send(_requestContent);
    }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        if (_requestContent is null)
        {
            throw new InvalidOperationException("This call has no request stream.");
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_requestCompleted)
            {
                throw new InvalidOperationException("The request stream is already complete.");
            }

            ThrowIfFinished();
            var compression = WriteOptions?.NoCompress == true ? null : _options.Compression;
            var frame = new ArrayBufferWriter<byte>();
            MessageWriter.WriteMessage(frame, message, _method.RequestMarshaller, _channel.Options.MaxSendMessageSize, compression);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Token);
            var stream = await _requestContent.GetStreamAsync(linked.Token).ConfigureAwait(false);
            await stream.WriteAsync(frame.WrittenMemory, linked.Token).ConfigureAwait(false);
            await stream.FlushAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw StatusFromFailure(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task CompleteAsync()
    {
        if (_requestContent is null)
        {
            throw new InvalidOperationException("This call has no request stream.");
        }

        await _writeLock.WaitAsync(Token).ConfigureAwait(false);
        try
        {
            if (!_requestCompleted)
            {
                _requestCompleted = true;
                _requestContent.Complete();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _callCancellation)
            : default;
        var (hasMessage, message) = await ReadNextAsync().ConfigureAwait(false);
        if (!hasMessage)
        {
            return false;
        }

        Current = message;
        return true;
    }

    public async Task<TResponse> ReadSingleResponseAsync()
    {
        var (hasMessage, message) = await ReadNextAsync().ConfigureAwait(false);
        if (!hasMessage)
        {
            // The stream has already been recorded as ended OK; without its one response the call failed after all.
            _status = null;
            throw Fail(new Status(StatusCode.Internal, "The server ended the call with OK but sent no response message."));
        }

        var (extra, _) = await ReadNextAsync().ConfigureAwait(false);
        if (extra)
        {
            throw Fail(new Status(StatusCode.Internal, "The server sent more than one response message for a unary method."));
        }

        return message;
    }

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished yet.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not finished yet.");

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_status is null)
        {
            Fail(new Status(StatusCode.Cancelled, "The call was disposed before it finished."));
            _callCancellation.Cancel();
        }

        _requestContent?.Complete();
        _response?.Dispose();
        _deadlineCancellation?.Dispose();
    }

    private void Send(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation("user-agent", GrpcProtocol.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (_options.Compression is { } compression)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, compression);
        }

        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(deadline.ToUniversalTime() - DateTime.UtcNow));
        }

        if (_options.Headers is { } metadata)
        {
            MetadataCodec.Write(metadata, (key, value) => headers.TryAddWithoutValidation(key, value));
        }

        _sendTask = _channel.Invoker.SendAsync(request, Token);
    }

    private async ValueTask<(bool HasMessage, TResponse Message)> ReadNextAsync()
    {
        try
        {
            _reader ??= await StartReceivingHeaders().ConfigureAwait(false);
            if (_status is { } finished)
            {
                // Trailers-only response, or a stream already read to its end.
                return finished.Code == StatusCode.OK ? (false, default!) : throw new RpcException(finished, _trailers ?? new Metadata());
            }

            var (hasMessage, message) = await _reader.ReadAsync(_method.ResponseMarshaller, Token).ConfigureAwait(false);
            if (hasMessage)
            {
                return (true, message);
            }

            var status = ReadStatusFromTrailers();
            if (status.Code != StatusCode.OK)
            {
                throw Fail(status);
            }

            Finish(status);
            return (false, default!);
        }
        catch (RpcException ex)
        {
            throw Fail(ex.Status, ex.Trailers);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw StatusFromFailure(ex);
        }
    }

    private Task<MessageReader> StartReceivingHeaders()
    {
        if (Volatile.Read(ref _headersTask) is { } started)
        {
            return started;
        }

        lock (_responseHeaders)
        {
            if (_headersTask is null)
            {
                _headersTask = ReceiveHeadersOrFailAsync();
                _headersTask.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            }

            return _headersTask;
        }
    }

    /// <summary>Records a failure as the call's status, so a caller waiting only on the headers learns of it too.</summary>
    private async Task<MessageReader> ReceiveHeadersOrFailAsync()
    {
        try
        {
            return await ReceiveHeadersAsync().ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Fail(ex.Status, ex.Trailers);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw StatusFromFailure(ex);
        }
    }

    private async Task<MessageReader> ReceiveHeadersAsync()
    {
        var response = await _sendTask!.ConfigureAwait(false);
        _response = response;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new RpcException(HttpStatusMapping.ToStatus(response.StatusCode));
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith(GrpcProtocol.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(StatusCode.Internal, $"Bad gRPC response: content-type '{contentType}'.");
        }

        var headers = MetadataCodec.FromHttpHeaders(response.Headers);
        if (TryReadStatus(response.Headers, out var trailersOnlyStatus))
        {
            _responseHeaders.TrySetResult(new Metadata());
            _trailers = headers;
            if (trailersOnlyStatus.Code != StatusCode.OK)
            {
                throw new RpcException(trailersOnlyStatus, headers);
            }

            Finish(trailersOnlyStatus);
            return new MessageReader(PipeReader.Create(Stream.Null), _channel.Options.MaxReceiveMessageSize, null);
        }

        _responseHeaders.TrySetResult(headers);
        var encoding = response.Headers.TryGetValues(GrpcProtocol.EncodingHeader, out var values) ? values.FirstOrDefault() : null;
        var body = await response.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
        return new MessageReader(PipeReader.Create(body), _channel.Options.MaxReceiveMessageSize, encoding);
    }

    private Status ReadStatusFromTrailers()
    {
        var trailing = _response!.TrailingHeaders;
        _trailers = MetadataCodec.FromHttpHeaders(trailing);
        return TryReadStatus(trailing, out var status)
            ? status
            : new Status(StatusCode.Internal, "The response ended without a grpc-status.");
    }

    private static bool TryReadStatus(HttpHeaders headers, out Status status)
    {
        status = default;
        if (!headers.NonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var codes))
        {
            return false;
        }

        var detail = headers.NonValidated.TryGetValues(GrpcProtocol.MessageHeader, out var messages)
            ? PercentEncoding.Decode(messages.ToString())
            : "";
        status = int.TryParse(codes.ToString(), out var code)
            ? new Status((StatusCode)code, detail)
            : new Status(StatusCode.Unknown, $"Unparseable grpc-status '{codes}'.");
        return true;
    }

    /// <summary>Failures of the HTTP exchange itself (reset, refused, cancelled), as opposed to a gRPC status.</summary>
    private static bool IsTransportFailure(Exception ex) =>
        ex is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException;

    private RpcException StatusFromFailure(Exception ex)
    {
        if (_status is { } known && known.Code != StatusCode.OK)
        {
            return new RpcException(known, _trailers ?? new Metadata());
        }

        Status status;
        if (_deadlineCancellation?.IsCancellationRequested == true)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        else if (_callCancellation.IsCancellationRequested)
        {
            status = new Status(StatusCode.Cancelled, "The call was cancelled by the client.");
        }
        else
        {
            status = HttpStatusMapping.FromTransportError(ex);
        }

        return Fail(status);
    }

    private RpcException Fail(Status status, Metadata? trailers = null)
    {
        if (_status is null)
        {
            Finish(status, trailers);
        }

        var exception = new RpcException(_status!.Value, _trailers ?? new Metadata());
        _responseHeaders.TrySetException(exception);
        return exception;
    }

    private void Finish(Status status, Metadata? trailers = null)
    {
        _status ??= status;
        _trailers ??= trailers ?? new Metadata();
        _responseHeaders.TrySetResult(new Metadata());
        _requestContent?.Complete();
        if (status.Code != StatusCode.OK)
        {
            // Ends the HTTP/2 stream (RST_STREAM) if the server has not already done so.
            _callCancellation.Cancel();
        }
    }

    private void ThrowIfFinished()
    {
        if (_status is { } status)
        {
            throw new RpcException(status, _trailers ?? new Metadata());
        }
    }
}
