using ChatGrpc.Wire;
using ChatGrpc.Wire.Server;
using Google.Protobuf.Reflection;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

/// <summary>
/// grpc.testing.TestService with handlers the test supplies; methods it leaves out answer
/// UNIMPLEMENTED, so each test states only the behaviour it depends on.
/// </summary>
internal static class TestServiceDefinition
{
    public static readonly ServiceDescriptor Descriptor = TestReflection.Descriptor.FindTypeByName<ServiceDescriptor>("TestService");

    public static readonly Method<SimpleRequest, SimpleResponse> UnaryCall = Method.Create<SimpleRequest, SimpleResponse>(Descriptor, "UnaryCall");

    public static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCall =
        Method.Create<StreamingOutputCallRequest, StreamingOutputCallResponse>(Descriptor, "StreamingOutputCall");

    public static ServiceDefinition Create(
        UnaryServerMethod<SimpleRequest, SimpleResponse>? unaryCall = null,
        ServerStreamingServerMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>? streamingOutputCall = null,
        ClientStreamingServerMethod<StreamingInputCallRequest, StreamingInputCallResponse>? streamingInputCall = null,
        DuplexStreamingServerMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>? fullDuplexCall = null)
    {
        var builder = ServiceDefinition.For(Descriptor);
        foreach (var method in Descriptor.Methods)
        {
            switch (method.Name)
            {
                case "UnaryCall" when unaryCall is not null:
                    builder.Unary("UnaryCall", unaryCall);
                    break;
                case "StreamingOutputCall" when streamingOutputCall is not null:
                    builder.ServerStreaming("StreamingOutputCall", streamingOutputCall);
                    break;
                case "StreamingInputCall" when streamingInputCall is not null:
                    builder.ClientStreaming("StreamingInputCall", streamingInputCall);
                    break;
                case "FullDuplexCall" when fullDuplexCall is not null:
                    builder.DuplexStreaming("FullDuplexCall", fullDuplexCall);
                    break;
                default:
                    builder.Unimplemented(method.Name);
                    break;
            }
        }

        return builder.Build();
    }

    public static SimpleResponse Response(int size) => new() { Payload = new Payload { Body = Google.Protobuf.ByteString.CopyFrom(new byte[size]) } };

    public static SimpleRequest Request(int size) => new() { Payload = new Payload { Body = Google.Protobuf.ByteString.CopyFrom(new byte[size]) } };
}
