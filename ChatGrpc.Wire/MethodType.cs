namespace ChatGrpc.Wire;

/// <summary>The four call kinds, named by which side streams.</summary>
public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}
