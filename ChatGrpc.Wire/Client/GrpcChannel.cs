using System.Net;

namespace ChatGrpc.Wire.Client;

/// <summary>
/// A connection pool to one server over HTTP/2 (h2c with prior knowledge for http://, TLS with ALPN for https://).
/// Cheap to call on; create one per server and share it.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly bool _ownsHandler;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        Address = address;
        Options = options;
        _ownsHandler = options.HttpHandler is null;
        Invoker = new HttpMessageInvoker(options.HttpHandler ?? CreateHandler(options), disposeHandler: _ownsHandler);
    }

    public Uri Address { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"Address must be http:// or https://, not {address.Scheme}://.", nameof(address));
        }

        return new GrpcChannel(address, options ?? new GrpcChannelOptions());
    }

    public UnaryCall<TResponse> UnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        call.StartUnary(request);
        return new UnaryCall<TResponse>(call);
    }

    public ClientStreamingCall<TRequest, TResponse> ClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        call.StartStreaming();
        return new ClientStreamingCall<TRequest, TResponse>(call);
    }

    public ServerStreamingCall<TResponse> ServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        call.StartUnary(request);
        return new ServerStreamingCall<TResponse>(call);
    }

    public DuplexStreamingCall<TRequest, TResponse> DuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        call.StartStreaming();
        return new DuplexStreamingCall<TRequest, TResponse>(call);
    }

    public void Dispose() => Invoker.Dispose();

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(20),
        };
        if (options.KeepAlivePingDelay is { } delay)
        {
            handler.KeepAlivePingDelay = delay;
            handler.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
            handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        }

        if (options.SslOptions is not null)
        {
            handler.SslOptions = options.SslOptions;
        }

        return handler;
    }
}
