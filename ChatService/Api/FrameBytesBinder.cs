using ChatGrpc.Contracts.V1;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using ChatRpc = ChatGrpc.Contracts.V1.ChatService;

namespace ChatService.Api;

/// <summary>
/// Binds chat.v1.ChatService for <see cref="ChatApi"/> from the generated binding, in two parts. The
/// unary methods go to the library's binders (gRPC, and JSON transcoding for those with a
/// google.api.http rule) through <see cref="BindService"/>, which ChatApi's BindServiceMethod
/// attribute names. The two streams are bound here, as a method provider, with a byte[] response:
/// the outbox holds frames already serialized once per broadcast, and <see cref="SerializedFrame"/>
/// hands those bytes to the transport as they are. Wire-compatible: the bytes are a serialized
/// ServerFrame, so clients see the contract's types. (The library's own binder only accepts methods
/// that override the generated base, and a byte[] stream cannot.)
/// </summary>
internal sealed class FrameBytesBinder : ServiceBinderBase, IServiceMethodProvider<ChatApi>
{
    public static readonly Marshaller<byte[]> SerializedFrame = Marshallers.Create(
        serializer: static (byte[] payload, SerializationContext context) => context.Complete(payload),
        deserializer: static context => context.PayloadAsNewBuffer());

    private readonly ServiceBinderBase? _unary;
    private readonly ServiceMethodProviderContext<ChatApi>? _streams;
    private readonly List<object> _streamMetadata = [.. typeof(ChatApi).GetCustomAttributes(inherit: true)];

    /// <summary>Made by DI as the method provider of the streams.</summary>
    public FrameBytesBinder()
    {
    }

    private FrameBytesBinder(ServiceBinderBase? unary, ServiceMethodProviderContext<ChatApi>? streams)
    {
        _unary = unary;
        _streams = streams;
    }

    /// <summary>Read by JSON transcoding: the bind method's declaring type names the service's descriptor.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => ChatRpc.Descriptor;

    /// <summary>
    /// The bind method for everything but the streams. Its second parameter is the generated base type
    /// on purpose: the library's binders accept only handlers that override methods declared on it.
    /// </summary>
    public static void BindService(ServiceBinderBase binder, ChatRpc.ChatServiceBase service) =>
        ChatRpc.BindService(new FrameBytesBinder(binder, streams: null), service);

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<ChatApi> context) =>
        ChatRpc.BindService(new FrameBytesBinder(unary: null, context), serviceImpl: null);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        _unary?.AddMethod(method, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        throw new InvalidOperationException($"{method.FullName}: chat.v1.ChatService has no client-streaming method to bind.");

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method is not Method<SubscribeRequest, ServerFrame> subscribe)
        {
            throw new InvalidOperationException($"{method.FullName}: a new server stream needs binding here.");
        }

        _streams?.AddServerStreamingMethod(Serialized(subscribe), _streamMetadata,
            static (api, request, writer, context) => api.Subscribe(request, writer, context));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method is not Method<ClientFrame, ServerFrame> connect)
        {
            throw new InvalidOperationException($"{method.FullName}: a new duplex stream needs binding here.");
        }

        _streams?.AddDuplexStreamingMethod(Serialized(connect), _streamMetadata,
            static (api, requests, writer, context) => api.Connect(requests, writer, context));
    }

    private static Method<TRequest, byte[]> Serialized<TRequest>(Method<TRequest, ServerFrame> method) =>
        new(method.Type, method.ServiceName, method.Name, method.RequestMarshaller, SerializedFrame);
}
