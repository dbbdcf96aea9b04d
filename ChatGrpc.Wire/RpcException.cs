namespace ChatGrpc.Wire;

/// <summary>
/// The one exception type for a call that ended with a non-OK status, on both sides:
/// servers throw it to choose the status, clients receive it with the status and trailers.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, new Metadata())
    {
    }

    public RpcException(StatusCode code, string detail)
        : this(new Status(code, detail), new Metadata())
    {
    }

    public RpcException(Status status, Metadata trailers)
        : base($"{status.Code}: {status.Detail}")
    {
        Status = status;
        Trailers = trailers;
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.Code;

    public Metadata Trailers { get; }
}
