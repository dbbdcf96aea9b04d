using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace ChatGrpc.Wire;

/// <summary>
/// One RPC: its path, its kind and how its messages are marshalled. Built from the
/// generated protobuf descriptor so the path and the streaming kind cannot drift from the .proto.
/// </summary>
public sealed class Method<TRequest, TResponse>
{
    internal Method(MethodDescriptor descriptor, Marshaller<TRequest> requestMarshaller, Marshaller<TResponse> responseMarshaller)
    {
        Descriptor = descriptor;
        ServiceName = descriptor.Service.FullName;
        Name = descriptor.Name;
        FullName = $"/{ServiceName}/{Name}";
        Type = MethodKinds.Of(descriptor);
        RequestMarshaller = requestMarshaller;
        ResponseMarshaller = responseMarshaller;
    }

    public MethodDescriptor Descriptor { get; }

    public string ServiceName { get; }

    public string Name { get; }

    /// <summary>The HTTP path, <c>/package.Service/Method</c>.</summary>
    public string FullName { get; }

    public MethodType Type { get; }

    public Marshaller<TRequest> RequestMarshaller { get; }

    public Marshaller<TResponse> ResponseMarshaller { get; }

    public override string ToString() => FullName;
}

public static class Method
{
    /// <summary>
    /// Looks a method up by name in a generated service descriptor and checks that the
    /// request and response types are the ones the .proto declares.
    /// </summary>
    public static Method<TRequest, TResponse> Create<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        var descriptor = service.FindMethodByName(name)
            ?? throw new ArgumentException($"Service '{service.FullName}' has no method '{name}'.", nameof(name));
        return Create<TRequest, TResponse>(descriptor);
    }

    public static Method<TRequest, TResponse> Create<TRequest, TResponse>(MethodDescriptor descriptor)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        CheckType<TRequest>(descriptor, descriptor.InputType, "request");
        CheckType<TResponse>(descriptor, descriptor.OutputType, "response");
        return new Method<TRequest, TResponse>(
            descriptor,
            Marshallers.ForProtobuf(new MessageParser<TRequest>(() => new TRequest())),
            Marshallers.ForProtobuf(new MessageParser<TResponse>(() => new TResponse())));
    }

    private static void CheckType<T>(MethodDescriptor method, MessageDescriptor declared, string role)
        where T : IMessage<T>, new()
    {
        var actual = new T().Descriptor;
        if (actual.FullName != declared.FullName)
        {
            throw new ArgumentException(
                $"{method.FullName} takes {declared.FullName} as its {role}, not {actual.FullName}.");
        }
    }
}

internal static class MethodKinds
{
    public static MethodType Of(MethodDescriptor descriptor) => (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (true, false) => MethodType.ClientStreaming,
        (false, true) => MethodType.ServerStreaming,
        (true, true) => MethodType.DuplexStreaming,
    };
}
