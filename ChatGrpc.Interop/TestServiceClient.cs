using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Grpc.Testing;

namespace ChatGrpc.Interop;

/// <summary>Typed client for grpc.testing.TestService; paths and kinds come from the generated descriptor.</summary>
public sealed class TestServiceClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = TestReflection.Descriptor.FindTypeByName<ServiceDescriptor>("TestService");
    private static readonly Method<Empty, Empty> EmptyCallMethod = Method.Create<Empty, Empty>(Service, "EmptyCall");
    private static readonly Method<SimpleRequest, SimpleResponse> UnaryCallMethod = Method.Create<SimpleRequest, SimpleResponse>(Service, "UnaryCall");
    private static readonly Method<SimpleRequest, SimpleResponse> CacheableUnaryCallMethod = Method.Create<SimpleRequest, SimpleResponse>(Service, "CacheableUnaryCall");
    private static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCallMethod = Method.Create<StreamingOutputCallRequest, StreamingOutputCallResponse>(Service, "StreamingOutputCall");
    private static readonly Method<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCallMethod = Method.Create<StreamingInputCallRequest, StreamingInputCallResponse>(Service, "StreamingInputCall");
    private static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCallMethod = Method.Create<StreamingOutputCallRequest, StreamingOutputCallResponse>(Service, "FullDuplexCall");
    private static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> HalfDuplexCallMethod = Method.Create<StreamingOutputCallRequest, StreamingOutputCallResponse>(Service, "HalfDuplexCall");
    private static readonly Method<Empty, Empty> UnimplementedCallMethod = Method.Create<Empty, Empty>(Service, "UnimplementedCall");

    public UnaryCall<Empty> EmptyCall(Empty request, CallOptions options = default) => channel.UnaryCall(EmptyCallMethod, request, options);

    public UnaryCall<SimpleResponse> UnaryCall(SimpleRequest request, CallOptions options = default) => channel.UnaryCall(UnaryCallMethod, request, options);

    public UnaryCall<SimpleResponse> CacheableUnaryCall(SimpleRequest request, CallOptions options = default) => channel.UnaryCall(CacheableUnaryCallMethod, request, options);

    public ServerStreamingCall<StreamingOutputCallResponse> StreamingOutputCall(StreamingOutputCallRequest request, CallOptions options = default) => channel.ServerStreamingCall(StreamingOutputCallMethod, request, options);

    public ClientStreamingCall<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCall(CallOptions options = default) => channel.ClientStreamingCall(StreamingInputCallMethod, options);

    public DuplexStreamingCall<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCall(CallOptions options = default) => channel.DuplexStreamingCall(FullDuplexCallMethod, options);

    public DuplexStreamingCall<StreamingOutputCallRequest, StreamingOutputCallResponse> HalfDuplexCall(CallOptions options = default) => channel.DuplexStreamingCall(HalfDuplexCallMethod, options);

    public UnaryCall<Empty> UnimplementedCall(Empty request, CallOptions options = default) => channel.UnaryCall(UnimplementedCallMethod, request, options);
}

/// <summary>Typed client for grpc.testing.UnimplementedService, which no server implements.</summary>
public sealed class UnimplementedServiceClient(GrpcChannel channel)
{
    private static readonly Method<Empty, Empty> UnimplementedCallMethod = Method.Create<Empty, Empty>(
        TestReflection.Descriptor.FindTypeByName<ServiceDescriptor>("UnimplementedService"), "UnimplementedCall");

    public UnaryCall<Empty> UnimplementedCall(Empty request, CallOptions options = default) => channel.UnaryCall(UnimplementedCallMethod, request, options);
}
