using ChatGrpc.Wire;
using ChatGrpc.Wire.Server;
using Google.Protobuf.Reflection;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class ServiceDefinitionBuilderTests
{
    private static readonly ServiceDescriptor TestService = TestReflection.Descriptor.FindTypeByName<ServiceDescriptor>("TestService");

    [TestMethod]
    public void Build_MethodLeftUnbound_ThrowsNamingTheMethod()
    {
        var builder = BindAllBut("HalfDuplexCall");

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => builder.Build());

        Assert.Contains("HalfDuplexCall", ex.Message);
        Assert.DoesNotContain("FullDuplexCall", ex.Message, "Only the unbound method should be named.");
    }

    [TestMethod]
    public void Build_EveryMethodBound_Succeeds()
    {
        var definition = BindAllBut(null).Build();

        Assert.AreEqual("grpc.testing.TestService", definition.Descriptor.FullName);
        Assert.AreSequenceEqual(
            TestService.Methods.Select(m => $"/grpc.testing.TestService/{m.Name}").ToArray(),
            definition.Handlers.Select(h => h.Path).ToArray());
    }

    [TestMethod]
    public void Unary_OnServerStreamingMethod_ThrowsNamingTheKinds()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ServiceDefinition.For(TestService)
            .Unary<StreamingOutputCallRequest, StreamingOutputCallResponse>("StreamingOutputCall", (_, _) => Task.FromResult(new StreamingOutputCallResponse())));

        Assert.Contains("ServerStreaming", ex.Message);
    }

    [TestMethod]
    public void DuplexStreaming_OnClientStreamingMethod_Throws()
    {
        Assert.ThrowsExactly<ArgumentException>(() => ServiceDefinition.For(TestService)
            .DuplexStreaming<StreamingInputCallRequest, StreamingInputCallResponse>("StreamingInputCall", (_, _, _) => Task.CompletedTask));
    }

    [TestMethod]
    public void Unary_WrongRequestType_ThrowsNamingTheDeclaredType()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ServiceDefinition.For(TestService)
            .Unary<Empty, SimpleResponse>("UnaryCall", (_, _) => Task.FromResult(new SimpleResponse())));

        Assert.Contains("grpc.testing.SimpleRequest", ex.Message);
    }

    [TestMethod]
    public void Unary_WrongResponseType_ThrowsNamingTheDeclaredType()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ServiceDefinition.For(TestService)
            .Unary<SimpleRequest, Empty>("UnaryCall", (_, _) => Task.FromResult(new Empty())));

        Assert.Contains("grpc.testing.SimpleResponse", ex.Message);
    }

    [TestMethod]
    public void Unary_SameMethodBoundTwice_Throws()
    {
        var builder = ServiceDefinition.For(TestService).Unary<Empty, Empty>("EmptyCall", (_, _) => Task.FromResult(new Empty()));

        Assert.ThrowsExactly<ArgumentException>(() => builder.Unary<Empty, Empty>("EmptyCall", (_, _) => Task.FromResult(new Empty())));
    }

    [TestMethod]
    public void Unimplemented_UnknownMethod_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ServiceDefinition.For(TestService).Unimplemented("NoSuchCall"));

        Assert.Contains("NoSuchCall", ex.Message);
    }

    [TestMethod]
    public void MethodCreate_UnknownName_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Method.Create<Empty, Empty>(TestService, "NoSuchCall"));

        Assert.Contains("NoSuchCall", ex.Message);
    }

    [TestMethod]
    public void MethodCreate_NameInWrongCase_Throws()
    {
        Assert.ThrowsExactly<ArgumentException>(() => Method.Create<Empty, Empty>(TestService, "emptyCall"));
    }

    [TestMethod]
    public void MethodCreate_KnownMethod_TakesPathAndKindFromTheProto()
    {
        var method = Method.Create<StreamingOutputCallRequest, StreamingOutputCallResponse>(TestService, "FullDuplexCall");

        Assert.AreEqual("/grpc.testing.TestService/FullDuplexCall", method.FullName);
        Assert.AreEqual(MethodType.DuplexStreaming, method.Type);
    }

    private static ServiceDefinition.Builder BindAllBut(string? left)
    {
        var builder = ServiceDefinition.For(TestService);
        foreach (var method in TestService.Methods.Where(m => m.Name != left))
        {
            builder.Unimplemented(method.Name);
        }

        return builder;
    }
}
