using System.Runtime.CompilerServices;

namespace ChatGrpc.Wire.Client;

/// <summary>A call with one request and one response. Await it for the response.</summary>
public sealed class UnaryCall<TResponse> : IDisposable
{
    private readonly IClientCallState _call;

    internal UnaryCall(IClientCall<TResponse> call)
    {
        _call = call;
        ResponseAsync = call.ReadSingleResponseAsync();
    }

    public Task<TResponse> ResponseAsync { get; }

    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    public void Dispose() => _call.Dispose();
}

/// <summary>A call that streams requests and gets one response.</summary>
public sealed class ClientStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCallState _call;
    private readonly Lazy<Task<TResponse>> _response;

    internal ClientStreamingCall(ClientCall<TRequest, TResponse> call)
    {
        _call = call;
        RequestStream = call;
        _response = new Lazy<Task<TResponse>>(call.ReadSingleResponseAsync);
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public Task<TResponse> ResponseAsync => _response.Value;

    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    public void Dispose() => _call.Dispose();
}

/// <summary>A call with one request and a stream of responses.</summary>
public sealed class ServerStreamingCall<TResponse> : IDisposable
{
    private readonly IClientCallState _call;

    internal ServerStreamingCall(IClientCall<TResponse> call)
    {
        _call = call;
        ResponseStream = call;
    }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}

/// <summary>A call where both sides stream at once.</summary>
public sealed class DuplexStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCallState _call;

    internal DuplexStreamingCall(ClientCall<TRequest, TResponse> call)
    {
        _call = call;
        RequestStream = call;
        ResponseStream = call;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}

internal interface IClientCallState : IDisposable
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Status GetStatus();

    Metadata GetTrailers();
}

internal interface IClientCall<TResponse> : IClientCallState, IAsyncStreamReader<TResponse>
{
    Task<TResponse> ReadSingleResponseAsync();
}
