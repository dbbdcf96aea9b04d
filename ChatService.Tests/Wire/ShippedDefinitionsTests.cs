using System.Reflection;
using ChatGrpc.Interop;
using ChatGrpc.Wire.Server;
using ChatGrpc.Wire.Services;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Grpc.Testing;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace ChatService.Tests.Wire;

/// <summary>
/// Every service in a .proto the project ships must be served or called by something here,
/// and completely: a method added to a .proto without a binding or a stub method fails a test.
/// </summary>
[TestClass]
public sealed class ShippedDefinitionsTests
{
    private static readonly IReadOnlyDictionary<string, (Func<ServiceDefinition>? Server, Type? Client)> Shipped =
        new Dictionary<string, (Func<ServiceDefinition>?, Type?)>
        {
            ["grpc.testing.TestService"] = (() => TestServiceImpl.Definition(new TestServiceImpl()), typeof(TestServiceClient)),
            ["grpc.testing.UnimplementedService"] = (null, typeof(UnimplementedServiceClient)),
            ["grpc.health.v1.Health"] = (() => new HealthService().Definition, null),
            ["grpc.reflection.v1.ServerReflection"] = (() => new ReflectionService(new GrpcServiceRegistry()).V1Definition, null),
            ["grpc.reflection.v1alpha.ServerReflection"] = (() => new ReflectionService(new GrpcServiceRegistry()).V1AlphaDefinition, null),
        };

    private static IEnumerable<ServiceDescriptor> ProtoServices =>
        new[] { TestReflection.Descriptor, HealthReflection.Descriptor, V1.ReflectionReflection.Descriptor, V1Alpha.ReflectionReflection.Descriptor }
            .SelectMany(file => file.Services);

    public static IEnumerable<object[]> ServiceNames => ProtoServices.Select(s => new object[] { s.FullName });

    [TestMethod]
    public void ProtoServices_EachOne_IsServedOrCalledByShippedCode()
    {
        var unaccounted = ProtoServices.Select(s => s.FullName).Where(name => !Shipped.ContainsKey(name)).ToList();

        Assert.IsEmpty(unaccounted, $"Services with neither a server definition nor a client stub: {string.Join(", ", unaccounted)}");
        Assert.HasCount(Shipped.Count, ProtoServices.ToList(), "A shipped entry names a service no .proto declares any more.");
    }

    [TestMethod]
    [DynamicData(nameof(ServiceNames))]
    public void ServerDefinition_ForShippedService_BuildsAndBindsEveryMethod(string serviceName)
    {
        var service = ProtoServices.Single(s => s.FullName == serviceName);
        if (Shipped[serviceName].Server is not { } build)
        {
            // Not served on purpose (UnimplementedService exists to be absent); its client is checked below.
            Assert.IsNotNull(Shipped[serviceName].Client, $"{serviceName} has neither server nor client.");
            return;
        }

        var definition = build();

        Assert.AreEqual(serviceName, definition.Descriptor.FullName);
        var expected = service.Methods.Select(m => $"/{serviceName}/{m.Name}").Order(StringComparer.Ordinal).ToArray();
        var bound = definition.Handlers.Select(h => h.Path).Order(StringComparer.Ordinal).ToArray();
        Assert.AreSequenceEqual(expected, bound);
    }

    [TestMethod]
    [DynamicData(nameof(ServiceNames))]
    public void ClientStub_ForShippedService_ExposesAMethodPerRpc(string serviceName)
    {
        var service = ProtoServices.Single(s => s.FullName == serviceName);
        if (Shipped[serviceName].Client is not { } client)
        {
            // Served only; generic callers (grpcurl, health probes) are its clients.
            Assert.IsNotNull(Shipped[serviceName].Server, $"{serviceName} has neither server nor client.");
            return;
        }

        var stubMethods = client.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Select(m => m.Name)
            .ToHashSet(StringComparer.Ordinal);
        var missing = service.Methods.Select(m => m.Name).Where(name => !stubMethods.Contains(name)).ToList();
        var stale = stubMethods.Where(name => service.FindMethodByName(name) is null).ToList();

        Assert.IsEmpty(missing, $"{client.Name} lacks: {string.Join(", ", missing)}");
        Assert.IsEmpty(stale, $"{client.Name} has methods no RPC of {serviceName} backs: {string.Join(", ", stale)}");
    }
}
