using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using ChatGrpc.Wire.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace ChatGrpc.Wire.Server;

internal enum WireProtocol
{
    Grpc,
    GrpcWeb,
    GrpcWebText,
}

/// <summary>
/// The server half of one call: reads request frames, writes response frames under one lock,
/// enforces the deadline and ends the call with exactly one status.
/// </summary>
internal sealed class ServerCall : IAsyncDisposable
{
    private static readonly string[] ExposedWebHeaders = [GrpcProtocol.StatusHeader, GrpcProtocol.MessageHeader, GrpcProtocol.StatusDetailsHeader];

    private readonly GrpcServerOptions _options;
    private readonly WireProtocol _protocol;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _cancellation;
    private Timer? _deadlineTimer;
    private Task? _deadlineTask;
    private MessageReader? _reader;
    private bool _headersPrepared;
    private bool _completed;
    private string? _responseCompression;

    public ServerCall(HttpContext httpContext, GrpcServerOptions options, WireProtocol protocol)
    {
        HttpContext = httpContext;
        _options = options;
        _protocol = protocol;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted);
        RequestHeaders = MetadataCodec.FromRequestHeaders(httpContext.Request.Headers);
        Peer = FormatPeer(httpContext.Connection.RemoteIpAddress, httpContext.Connection.RemotePort);
    }

    public HttpContext HttpContext { get; }

    public Metadata RequestHeaders { get; }

    public Metadata ResponseTrailers { get; } = new();

    public string Peer { get; }

    public DateTime Deadline { get; private set; } = DateTime.MaxValue;

    public CancellationToken CancellationToken => _cancellation.Token;

    public bool DeadlineExceeded { get; private set; }

    public bool LastRequestCompressed => _reader?.LastMessageCompressed ?? false;

    public string? RequestEncoding { get; private set; }

    public string? ResponseCompression
    {
        get => _responseCompression;
        set
        {
            if (_headersPrepared)
            {
                throw new InvalidOperationException("Response compression must be chosen before response headers are sent.");
            }

            _responseCompression = value is null || ClientAccepts(value) ? value : null;
        }
    }

    private HttpResponse Response => HttpContext.Response;

    private bool IsWeb => _protocol != WireProtocol.Grpc;

    /// <summary>Reads the protocol headers. Throws <see cref="RpcException"/> for ones the call cannot proceed with.</summary>
    public void Start(bool streamingRequest)
    {
        LiftKestrelLimits(streamingRequest);

        var encoding = HttpContext.Request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && encoding != GrpcProtocol.IdentityEncoding)
        {
            if (!MessageCompression.IsSupported(encoding))
            {
                throw new RpcException(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'. Supported: {GrpcProtocol.SupportedEncodings}.");
            }

            RequestEncoding = encoding;
        }

        if (_options.ResponseCompression is { } preferred)
        {
            ResponseCompression = preferred;
        }

        if (GrpcTimeout.TryParse(HttpContext.Request.Headers[GrpcProtocol.TimeoutHeader], out var timeout))
        {
            Deadline = DateTime.UtcNow + timeout;
            // Timers cannot wait longer than ~49 days; such a deadline is as good as none.
            if (timeout.TotalMilliseconds < uint.MaxValue - 1)
            {
                _deadlineTimer = new Timer(static state => ((ServerCall)state!).OnDeadline(), this, timeout, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public async ValueTask<(bool HasMessage, T Message)> ReadMessageAsync<T>(Marshaller<T> marshaller, CancellationToken cancellationToken)
    {
        _reader ??= await CreateReaderAsync(cancellationToken).ConfigureAwait(false);
        return await _reader.ReadAsync(marshaller, cancellationToken).ConfigureAwait(false);
    }

    public async Task<T> ReadSingleMessageAsync<T>(Marshaller<T> marshaller)
    {
        var (hasMessage, message) = await ReadMessageAsync(marshaller, CancellationToken).ConfigureAwait(false);
        if (!hasMessage)
        {
            throw new RpcException(StatusCode.Internal, "The request ended without a message.");
        }

        var (extra, _) = await ReadMessageAsync(marshaller, CancellationToken).ConfigureAwait(false);
        if (extra)
        {
            throw new RpcException(StatusCode.Internal, "The request carried more than one message for a method that takes one.");
        }

        return message;
    }

    public Task WriteMessageAsync<T>(T message, Marshaller<T> marshaller, CancellationToken cancellationToken) =>
        WriteBodyAsync(
            (Message: message, Marshaller: marshaller, Call: this),
            static (output, s) => MessageWriter.WriteMessage(output, s.Message, s.Marshaller, s.Call._options.MaxSendMessageSize, s.Call._responseCompression),
            cancellationToken);

    public Task WriteSerializedAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken) =>
        WriteBodyAsync(
            (Payloads: payloads, Max: _options.MaxSendMessageSize),
            static (output, s) =>
            {
                foreach (var payload in s.Payloads)
                {
                    if (payload.Length > s.Max)
                    {
                        throw new RpcException(StatusCode.ResourceExhausted, $"Sending message larger than max ({payload.Length} vs. {s.Max}).");
                    }

                    MessageWriter.WriteSerialized(output, payload.Span);
                }
            },
            cancellationToken);

    public async Task WriteResponseHeadersAsync(Metadata headers)
    {
        await _writeLock.WaitAsync(CancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfCompleted();
            if (_headersPrepared)
            {
                throw new InvalidOperationException("Response headers can only be sent once per call.");
            }

            PrepareHeaders(headers);
            await Response.StartAsync(CancellationToken).ConfigureAwait(false);
            await Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Ends the call at once with RST_STREAM instead of trailers: for a client that stopped reading,
    /// whose trailers would wait behind data it never takes. Over HTTP/1.1 (gRPC-Web) the connection closes.
    /// </summary>
    public void Reset(StatusCode code)
    {
        if (HttpContext.Features.Get<IHttpResetFeature>() is { } reset)
        {
            reset.Reset(GrpcProtocol.Http2ResetCodeFor(code));
        }
        else
        {
            HttpContext.Abort();
        }
    }

    /// <summary>Ends the call with a status. Only the first status counts; later ones are ignored.</summary>
    public async Task CompleteAsync(Status status, Metadata? trailers)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (trailers is not null && !ReferenceEquals(trailers, ResponseTrailers))
            {
                foreach (var entry in trailers)
                {
                    ResponseTrailers.Add(entry);
                }
            }

            if (HttpContext.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            if (!_headersPrepared)
            {
                WriteTrailersOnly(status);
            }
            else if (IsWeb)
            {
                await WriteWebTrailersAsync(status).ConfigureAwait(false);
            }
            else
            {
                Response.AppendTrailer(GrpcProtocol.StatusHeader, ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (status.Detail.Length > 0)
                {
                    Response.AppendTrailer(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
                }

                MetadataCodec.Write(ResponseTrailers, (key, value) => Response.AppendTrailer(key, value));
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_deadlineTimer is not null)
        {
            await _deadlineTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_deadlineTask is not null)
        {
            await _deadlineTask.ConfigureAwait(false);
        }

        _cancellation.Dispose();
    }

    private void OnDeadline()
    {
        DeadlineExceeded = true;
        _deadlineTask = EndAtDeadlineAsync();
    }

    private async Task EndAtDeadlineAsync()
    {
        await _cancellation.CancelAsync().ConfigureAwait(false);
        await CompleteAsync(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null).ConfigureAwait(false);
        if (!HttpContext.RequestAborted.IsCancellationRequested)
        {
            await Response.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void PrepareHeaders(Metadata? custom)
    {
        if (_headersPrepared)
        {
            return;
        }

        _headersPrepared = true;
        Response.StatusCode = StatusCodes.Status200OK;
        Response.ContentType = ResponseContentType;
        var headers = Response.Headers;
        headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        if (_responseCompression is not null)
        {
            headers[GrpcProtocol.EncodingHeader] = _responseCompression;
        }

        if (custom is not null)
        {
            MetadataCodec.Write(custom, (key, value) => headers.Append(key, value));
        }

        if (IsWeb)
        {
            AddCorsExposure(custom);
        }
    }

    private void WriteTrailersOnly(Status status)
    {
        _headersPrepared = true;
        Response.StatusCode = StatusCodes.Status200OK;
        Response.ContentType = ResponseContentType;
        var headers = Response.Headers;
        headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        headers[GrpcProtocol.StatusHeader] = ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (status.Detail.Length > 0)
        {
            headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
        }

        MetadataCodec.Write(ResponseTrailers, (key, value) => headers.Append(key, value));
        if (IsWeb)
        {
            AddCorsExposure(ResponseTrailers);
        }
    }

    private async Task WriteWebTrailersAsync(Status status)
    {
        var lines = new List<KeyValuePair<string, string>>
        {
            new(GrpcProtocol.StatusHeader, ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (status.Detail.Length > 0)
        {
            lines.Add(new(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail)));
        }

        MetadataCodec.Write(ResponseTrailers, (key, value) => lines.Add(new(key, value)));
        WriteFrames(lines, static (output, l) => MessageWriter.WriteWebTrailers(output, l));
        await Response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Writes frames under the write lock, with headers first, and flushes them to the client.</summary>
    private async Task WriteBodyAsync<TState>(TState state, Action<IBufferWriter<byte>, TState> write, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfCompleted();
            PrepareHeaders(null);
            WriteFrames(state, write);
            await Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes frames to the body; in gRPC-Web text mode they go out as one base64 chunk.</summary>
    private void WriteFrames<TState>(TState state, Action<IBufferWriter<byte>, TState> write)
    {
        if (_protocol != WireProtocol.GrpcWebText)
        {
            write(Response.BodyWriter, state);
            return;
        }

        var frames = new ArrayBufferWriter<byte>();
        write(frames, state);
        GrpcWebText.Encode(frames.WrittenSpan, Response.BodyWriter);
    }

    private void AddCorsExposure(Metadata? custom)
    {
        var exposed = new List<string>(ExposedWebHeaders);
        if (custom is not null)
        {
            exposed.AddRange(custom.Select(entry => entry.Key).Distinct());
        }

        Response.Headers["Access-Control-Expose-Headers"] = string.Join(",", exposed);
    }

    private string ResponseContentType => _protocol switch
    {
        WireProtocol.GrpcWeb => GrpcProtocol.WebContentTypeProto,
        WireProtocol.GrpcWebText => GrpcProtocol.WebTextContentTypeProto,
        _ => GrpcProtocol.ContentType,
    };

    private bool ClientAccepts(string encoding)
    {
        var accepted = HttpContext.Request.Headers[GrpcProtocol.AcceptEncodingHeader].ToString();
        return accepted.Split(',', StringSplitOptions.TrimEntries).Contains(encoding);
    }

    private async ValueTask<MessageReader> CreateReaderAsync(CancellationToken cancellationToken)
    {
        var input = HttpContext.Request.BodyReader;
        if (_protocol == WireProtocol.GrpcWebText)
        {
            // Browsers cannot stream request bodies, so a text-mode request is one bounded body.
            var limit = (long)_options.MaxReceiveMessageSize * 4 / 3 + 64;
            using var buffered = new MemoryStream();
            await HttpContext.Request.Body.CopyToAsync(new LimitedWriteStream(buffered, limit), cancellationToken).ConfigureAwait(false);
            input = PipeReader.Create(new MemoryStream(GrpcWebText.Decode(buffered.GetBuffer().AsSpan(0, (int)buffered.Length))));
        }

        return new MessageReader(input, _options.MaxReceiveMessageSize, RequestEncoding);
    }

    private void LiftKestrelLimits(bool streamingRequest)
    {
        // A chat stream may stay open and idle for hours; Kestrel's defaults would cut it off.
        var minRate = HttpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>();
        if (minRate is not null)
        {
            minRate.MinDataRate = null;
        }

        var maxSize = HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (maxSize is { IsReadOnly: false } && streamingRequest)
        {
            maxSize.MaxRequestBodySize = null;
        }
        else if (maxSize is { IsReadOnly: false })
        {
            maxSize.MaxRequestBodySize = Math.Max(maxSize.MaxRequestBodySize ?? 0, (long)_options.MaxReceiveMessageSize * 2 + 1024);
        }
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException(DeadlineExceeded
                ? "The call's deadline has passed; nothing more can be written."
                : "The call has already completed; nothing more can be written.");
        }
    }

    private static string FormatPeer(IPAddress? address, int port) => address switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } when address.IsIPv4MappedToIPv6 => $"ipv4:{address.MapToIPv4()}:{port}",
        { AddressFamily: AddressFamily.InterNetworkV6 } => $"ipv6:[{address}]:{port}",
        _ => $"ipv4:{address}:{port}",
    };
}
