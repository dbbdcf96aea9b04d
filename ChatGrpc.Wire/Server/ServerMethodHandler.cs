namespace ChatGrpc.Wire.Server;

/// <summary>Runs one bound method for one call, whatever its kind.</summary>
internal abstract class ServerMethodHandler
{
    public abstract string Path { get; }

    public abstract Google.Protobuf.Reflection.MethodDescriptor Descriptor { get; }

    public abstract bool StreamingRequest { get; }

    public abstract Task InvokeAsync(ServerCall call, ServerCallContext context);
}

internal sealed class ServerMethodHandler<TRequest, TResponse> : ServerMethodHandler
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly Delegate _handler;

    public ServerMethodHandler(Method<TRequest, TResponse> method, Delegate handler)
    {
        _method = method;
        _handler = handler;
    }

    public override string Path => _method.FullName;

    public override Google.Protobuf.Reflection.MethodDescriptor Descriptor => _method.Descriptor;

    public override bool StreamingRequest => _method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming;

    public override async Task InvokeAsync(ServerCall call, ServerCallContext context)
    {
        var requests = _method.RequestMarshaller;
        var responses = _method.ResponseMarshaller;
        switch (_handler)
        {
            case UnaryServerMethod<TRequest, TResponse> unary:
            {
                var request = await call.ReadSingleMessageAsync(requests).ConfigureAwait(false);
                var response = await unary(request, context).ConfigureAwait(false);
                await call.WriteMessageAsync(response, responses, call.CancellationToken).ConfigureAwait(false);
                break;
            }

            case ClientStreamingServerMethod<TRequest, TResponse> clientStreaming:
            {
                var response = await clientStreaming(new RequestStream<TRequest>(call, requests), context).ConfigureAwait(false);
                await call.WriteMessageAsync(response, responses, call.CancellationToken).ConfigureAwait(false);
                break;
            }

            case ServerStreamingServerMethod<TRequest, TResponse> serverStreaming:
            {
                var request = await call.ReadSingleMessageAsync(requests).ConfigureAwait(false);
                await serverStreaming(request, new ResponseStream<TResponse>(call, responses), context).ConfigureAwait(false);
                break;
            }

            case DuplexStreamingServerMethod<TRequest, TResponse> duplex:
                await duplex(new RequestStream<TRequest>(call, requests), new ResponseStream<TResponse>(call, responses), context).ConfigureAwait(false);
                break;

            default:
                throw new InvalidOperationException($"No invoker for {_handler.GetType()}.");
        }
    }

    private sealed class RequestStream<T>(ServerCall call, Marshaller<T> marshaller) : IAsyncStreamReader<T>
    {
        private bool _ended;

        public T Current { get; private set; } = default!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
        {
            if (_ended)
            {
                return false;
            }

            using var linked = cancellationToken.CanBeCanceled
                ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken)
                : null;
            var (hasMessage, message) = await call.ReadMessageAsync(marshaller, linked?.Token ?? call.CancellationToken).ConfigureAwait(false);
            if (!hasMessage)
            {
                _ended = true;
                return false;
            }

            Current = message;
            return true;
        }
    }

    private sealed class ResponseStream<T>(ServerCall call, Marshaller<T> marshaller) : IServerStreamWriter<T>, ISerializedStreamWriter
    {
        public async Task WriteAsync(T message, CancellationToken cancellationToken = default)
        {
            using var linked = Link(cancellationToken);
            await call.WriteMessageAsync(message, marshaller, linked?.Token ?? call.CancellationToken).ConfigureAwait(false);
        }

        public async Task WriteSerializedAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default)
        {
            using var linked = Link(cancellationToken);
            await call.WriteSerializedAsync(payloads, linked?.Token ?? call.CancellationToken).ConfigureAwait(false);
        }

        // A caller's token narrows the call's own (deadline, client cancel); it never replaces it.
        private CancellationTokenSource? Link(CancellationToken cancellationToken) =>
            cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken) : null;
    }
}
