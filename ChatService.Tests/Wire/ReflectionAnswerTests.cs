using ChatGrpc.Interop;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Server;
using ChatGrpc.Wire.Services;
using Google.Protobuf.Reflection;
using V1 = Grpc.Reflection.V1;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class ReflectionAnswerTests
{
    private static ReflectionService NewReflection()
    {
        var registry = new GrpcServiceRegistry();
        var reflection = new ReflectionService(registry);
        registry.Add(TestServiceImpl.Definition(new TestServiceImpl()));
        registry.Add(new HealthService().Definition);
        registry.Add(reflection.V1Definition);
        return reflection;
    }

    private static List<string> FileNames(V1.ServerReflectionResponse response)
    {
        Assert.AreEqual(V1.ServerReflectionResponse.MessageResponseOneofCase.FileDescriptorResponse, response.MessageResponseCase, response.ToString());
        return response.FileDescriptorResponse.FileDescriptorProto.Select(bytes => FileDescriptorProto.Parser.ParseFrom(bytes).Name).ToList();
    }

    [TestMethod]
    public void Answer_ListServices_NamesEveryMappedService()
    {
        var response = NewReflection().Answer(new V1.ServerReflectionRequest { Host = "h", ListServices = "*" });

        var names = response.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.AreSequenceEqual(new[] { "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.testing.TestService" }, names);
        Assert.AreEqual("h", response.ValidHost);
        Assert.AreEqual("*", response.OriginalRequest.ListServices);
    }

    [TestMethod]
    public void Answer_FileContainingMethodSymbol_ReturnsItsFileFirstWithImports()
    {
        var response = NewReflection().Answer(new V1.ServerReflectionRequest { FileContainingSymbol = "grpc.testing.TestService.UnaryCall" });

        var files = FileNames(response);
        Assert.AreEqual("grpc/testing/test.proto", files[0]);
        Assert.Contains("grpc/testing/messages.proto", files);
        Assert.Contains("grpc/testing/empty.proto", files);
    }

    [TestMethod]
    public void Answer_FileContainingNestedEnum_ReturnsTheHealthProto()
    {
        var response = NewReflection().Answer(new V1.ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.HealthCheckResponse.ServingStatus" });

        Assert.AreSequenceEqual(new[] { "grpc/health/v1/health.proto" }, FileNames(response).ToArray());
    }

    [TestMethod]
    public void Answer_FileByFilename_IncludesEachDependencyOnce()
    {
        var response = NewReflection().Answer(new V1.ServerReflectionRequest { FileByFilename = "grpc/testing/test.proto" });

        var files = FileNames(response);
        Assert.AreEqual("grpc/testing/test.proto", files[0]);
        Assert.AreSequenceEqual(
            new[] { "grpc/testing/empty.proto", "grpc/testing/messages.proto", "grpc/testing/test.proto" },
            files.Order(StringComparer.Ordinal).ToArray());

        // The bytes must be real descriptors a client can rebuild the service from.
        var test = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Contains("TestService", test.Service.Select(s => s.Name));
    }

    [TestMethod]
    [DataRow("grpc.testing.NoSuchThing")]
    [DataRow("grpc.testing.TestService.NoSuchCall")]
    public void Answer_UnknownSymbol_ReturnsNotFoundError(string symbol)
    {
        var response = NewReflection().Answer(new V1.ServerReflectionRequest { FileContainingSymbol = symbol });

        Assert.AreEqual(V1.ServerReflectionResponse.MessageResponseOneofCase.ErrorResponse, response.MessageResponseCase);
        Assert.AreEqual((int)StatusCode.NotFound, response.ErrorResponse.ErrorCode);
        Assert.Contains(symbol, response.ErrorResponse.ErrorMessage);
    }

    [TestMethod]
    public void Answer_UnknownFilename_ReturnsNotFoundError()
    {
        var response = NewReflection().Answer(new V1.ServerReflectionRequest { FileByFilename = "nope.proto" });

        Assert.AreEqual((int)StatusCode.NotFound, response.ErrorResponse.ErrorCode);
    }
}
