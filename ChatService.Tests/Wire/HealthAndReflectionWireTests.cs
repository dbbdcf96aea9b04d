using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using ChatGrpc.Wire.Services;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace ChatService.Tests.Wire;

/// <summary>The well-known services over a real connection, called with our client.</summary>
[TestClass]
public sealed class HealthAndReflectionWireTests
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Health = HealthReflection.Descriptor.Services[0];
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = Method.Create<HealthCheckRequest, HealthCheckResponse>(Health, "Check");
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch = Method.Create<HealthCheckRequest, HealthCheckResponse>(Health, "Watch");

    private static Task<WireTestHost> StartAsync() => WireTestHost.StartAsync(options =>
    {
        options.Services.Add(TestServiceDefinition.Create());
        options.HealthAndReflection = true;
    });

    [TestMethod]
    public async Task HealthCheck_WholeServer_Serving()
    {
        await using var host = await StartAsync();
        using var channel = host.CreateChannel();

        var response = await channel.UnaryCall(Check, new HealthCheckRequest { Service = "" }).ResponseAsync.WaitAsync(WireTimeouts.Call);

        Assert.AreEqual(ServingStatus.Serving, response.Status);
    }

    [TestMethod]
    public async Task HealthCheck_UnknownService_NotFound()
    {
        await using var host = await StartAsync();
        using var channel = host.CreateChannel();

        var ex = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            channel.UnaryCall(Check, new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync.WaitAsync(WireTimeouts.Call));

        Assert.AreEqual(StatusCode.NotFound, ex.StatusCode);
    }

    [TestMethod]
    public async Task HealthWatch_StatusChanges_StreamsServingThenNotServing()
    {
        await using var host = await StartAsync();
        var health = host.Services.GetRequiredService<HealthService>();
        health.SetStatus("grpc.testing.TestService", ServingStatus.Serving);
        using var channel = host.CreateChannel();
        using var watch = channel.ServerStreamingCall(Watch, new HealthCheckRequest { Service = "grpc.testing.TestService" });

        Assert.IsTrue(await watch.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        Assert.AreEqual(ServingStatus.Serving, watch.ResponseStream.Current.Status);

        // The first answer proves the watcher is registered, so this change cannot be missed.
        health.SetStatus("grpc.testing.TestService", ServingStatus.NotServing);

        Assert.IsTrue(await watch.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        Assert.AreEqual(ServingStatus.NotServing, watch.ResponseStream.Current.Status);
    }

    [TestMethod]
    public async Task HealthCheck_AfterSetStatus_ReportsNewStatus()
    {
        await using var host = await StartAsync();
        host.Services.GetRequiredService<HealthService>().SetStatus("", ServingStatus.NotServing);
        using var channel = host.CreateChannel();

        var response = await channel.UnaryCall(Check, new HealthCheckRequest()).ResponseAsync.WaitAsync(WireTimeouts.Call);

        Assert.AreEqual(ServingStatus.NotServing, response.Status);
    }

    [TestMethod]
    public async Task ReflectionV1_ListServices_IncludesTestService()
    {
        await using var host = await StartAsync();
        using var channel = host.CreateChannel();
        var method = Method.Create<V1.ServerReflectionRequest, V1.ServerReflectionResponse>(V1.ReflectionReflection.Descriptor.Services[0], "ServerReflectionInfo");
        using var call = channel.DuplexStreamingCall(method);

        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { ListServices = "" }).WaitAsync(WireTimeouts.Step);
        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await call.RequestStream.CompleteAsync().WaitAsync(WireTimeouts.Step);

        Assert.IsFalse(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        Assert.AreEqual(StatusCode.OK, call.GetStatus().Code);
        CollectionAssert.IsSubsetOf(
            new[] { "grpc.testing.TestService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection" },
            names);
    }

    [TestMethod]
    public async Task ReflectionV1Alpha_ListServicesThenSymbol_AnswersEachInTurn()
    {
        await using var host = await StartAsync();
        using var channel = host.CreateChannel();
        var method = Method.Create<V1Alpha.ServerReflectionRequest, V1Alpha.ServerReflectionResponse>(V1Alpha.ReflectionReflection.Descriptor.Services[0], "ServerReflectionInfo");
        using var call = channel.DuplexStreamingCall(method);

        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { ListServices = "" }).WaitAsync(WireTimeouts.Step);
        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        Assert.Contains("grpc.testing.TestService", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));

        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { FileContainingSymbol = "grpc.testing.TestService" }).WaitAsync(WireTimeouts.Step);
        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
        var first = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto[0];
        Assert.AreEqual("grpc/testing/test.proto", Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(first).Name);

        await call.RequestStream.CompleteAsync().WaitAsync(WireTimeouts.Step);
        Assert.IsFalse(await call.ResponseStream.MoveNext().WaitAsync(WireTimeouts.Call));
    }
}
