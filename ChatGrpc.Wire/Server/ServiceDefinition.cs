using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace ChatGrpc.Wire.Server;

/// <summary>
/// A service's handlers, bound method by method against the generated descriptor.
/// <see cref="Builder.Build"/> refuses a definition that leaves any method of the .proto unbound.
/// </summary>
public sealed class ServiceDefinition
{
    private ServiceDefinition(ServiceDescriptor descriptor, IReadOnlyList<ServerMethodHandler> handlers)
    {
        Descriptor = descriptor;
        Handlers = handlers;
    }

    public ServiceDescriptor Descriptor { get; }

    internal IReadOnlyList<ServerMethodHandler> Handlers { get; }

    public static Builder For(ServiceDescriptor descriptor) => new(descriptor);

    public sealed class Builder
    {
        private readonly ServiceDescriptor _descriptor;
        private readonly Dictionary<string, ServerMethodHandler> _handlers = new();

        internal Builder(ServiceDescriptor descriptor) => _descriptor = descriptor;

        public Builder Unary<TRequest, TResponse>(string name, UnaryServerMethod<TRequest, TResponse> handler)
            where TRequest : IMessage<TRequest>, new()
            where TResponse : IMessage<TResponse>, new()
            => Bind<TRequest, TResponse>(name, MethodType.Unary, handler);

        public Builder ClientStreaming<TRequest, TResponse>(string name, ClientStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : IMessage<TRequest>, new()
            where TResponse : IMessage<TResponse>, new()
            => Bind<TRequest, TResponse>(name, MethodType.ClientStreaming, handler);

        public Builder ServerStreaming<TRequest, TResponse>(string name, ServerStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : IMessage<TRequest>, new()
            where TResponse : IMessage<TResponse>, new()
            => Bind<TRequest, TResponse>(name, MethodType.ServerStreaming, handler);

        public Builder DuplexStreaming<TRequest, TResponse>(string name, DuplexStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : IMessage<TRequest>, new()
            where TResponse : IMessage<TResponse>, new()
            => Bind<TRequest, TResponse>(name, MethodType.DuplexStreaming, handler);

        /// <summary>Declares on purpose that a method of the .proto is not served: callers get UNIMPLEMENTED.</summary>
        public Builder Unimplemented(string name)
        {
            var method = FindMethod(name);
            _handlers[name] = new UnimplementedHandler(method);
            return this;
        }

        public ServiceDefinition Build()
        {
            var unbound = _descriptor.Methods.Where(m => !_handlers.ContainsKey(m.Name)).Select(m => m.Name).ToList();
            if (unbound.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Service {_descriptor.FullName} leaves {string.Join(", ", unbound)} unbound; bind each method or declare it Unimplemented.");
            }

            return new ServiceDefinition(_descriptor, _descriptor.Methods.Select(m => _handlers[m.Name]).ToList());
        }

        private Builder Bind<TRequest, TResponse>(string name, MethodType kind, Delegate handler)
            where TRequest : IMessage<TRequest>, new()
            where TResponse : IMessage<TResponse>, new()
        {
            var method = Method.Create<TRequest, TResponse>(FindMethod(name));
            if (method.Type != kind)
            {
                throw new ArgumentException($"{method.FullName} is a {method.Type} method in the .proto, not {kind}.", nameof(name));
            }

            if (!_handlers.TryAdd(name, new ServerMethodHandler<TRequest, TResponse>(method, handler)))
            {
                throw new ArgumentException($"{method.FullName} is bound twice.", nameof(name));
            }

            return this;
        }

        private MethodDescriptor FindMethod(string name) =>
            _descriptor.FindMethodByName(name)
            ?? throw new ArgumentException($"Service {_descriptor.FullName} has no method '{name}'.", nameof(name));
    }

    private sealed class UnimplementedHandler(MethodDescriptor descriptor) : ServerMethodHandler
    {
        public override string Path => $"/{descriptor.Service.FullName}/{descriptor.Name}";

        public override MethodDescriptor Descriptor => descriptor;

        public override bool StreamingRequest => descriptor.IsClientStreaming;

        public override Task InvokeAsync(ServerCall call, ServerCallContext context) =>
            throw new RpcException(StatusCode.Unimplemented, $"Method {Path} is not implemented by this server.");
    }
}
