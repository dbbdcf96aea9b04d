using System.Collections.Frozen;
using Google.Protobuf.Reflection;

namespace ChatGrpc.Wire.Server;

/// <summary>The services this server answers, by path. Filled at startup, read on every call.</summary>
public sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, ServerMethodHandler> _building = new(StringComparer.Ordinal);
    private readonly List<ServiceDescriptor> _services = new();
    private FrozenDictionary<string, ServerMethodHandler>? _frozen;
    private FrozenSet<string>? _serviceNames;

    public IReadOnlyList<ServiceDescriptor> Services => _services;

    public void Add(ServiceDefinition definition)
    {
        if (_frozen is not null)
        {
            throw new InvalidOperationException("Services must be mapped before the server handles its first call.");
        }

        if (_services.Any(s => s.FullName == definition.Descriptor.FullName))
        {
            throw new InvalidOperationException($"Service {definition.Descriptor.FullName} is mapped twice.");
        }

        _services.Add(definition.Descriptor);
        foreach (var handler in definition.Handlers)
        {
            _building.Add(handler.Path, handler);
        }
    }

    internal bool TryGet(string path, out ServerMethodHandler handler)
    {
        _frozen ??= _building.ToFrozenDictionary(StringComparer.Ordinal);
        return _frozen.TryGetValue(path, out handler!);
    }

    internal bool HasService(string name)
    {
        _serviceNames ??= _services.Select(s => s.FullName).ToFrozenSet(StringComparer.Ordinal);
        return _serviceNames.Contains(name);
    }
}
