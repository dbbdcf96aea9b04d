using ChatGrpc.Contracts.V1;
using Grpc.Core;
using ChatRpc = ChatGrpc.Contracts.V1.ChatService;

namespace ChatService.Api;

/// <summary>
/// Builds chat.v1.ChatService from the generated binding, unchanged except for the two streams, which
/// are bound with a byte[] response: the outbox holds frames already serialized once per broadcast, and
/// <see cref="SerializedFrame"/> hands those bytes to the transport as they are. Wire-compatible: the
/// bytes are a serialized ServerFrame, so clients see the contract's types.
/// </summary>
internal sealed class FrameBytesBinder(ServerServiceDefinition.Builder builder, ChatApi api) : ServiceBinderBase
{
    public static readonly Marshaller<byte[]> SerializedFrame = Marshallers.Create(
        serializer: static (byte[] payload, SerializationContext context) => context.Complete(payload),
        deserializer: static context => context.PayloadAsNewBuffer());

    public static ServerServiceDefinition Bind(ChatApi api)
    {
        var builder = ServerServiceDefinition.CreateBuilder();
        ChatRpc.BindService(new FrameBytesBinder(builder, api), api);
        return builder.Build();
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        builder.AddMethod(method, handler!);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        builder.AddMethod(method, handler!);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method is Method<SubscribeRequest, ServerFrame> subscribe)
        {
            builder.AddMethod(Serialized(subscribe), api.Subscribe);
            return;
        }

        builder.AddMethod(method, handler!);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method is Method<ClientFrame, ServerFrame> connect)
        {
            builder.AddMethod(Serialized(connect), api.Connect);
            return;
        }

        builder.AddMethod(method, handler!);
    }

    private static Method<TRequest, byte[]> Serialized<TRequest>(Method<TRequest, ServerFrame> method) =>
        new(method.Type, method.ServiceName, method.Name, method.RequestMarshaller, SerializedFrame);
}
