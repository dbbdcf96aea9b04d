using ChatService.Tests.Chat;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using ChatCli.Client;
using Grpc.Core;
using Grpc.Health.V1;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace ChatService.Tests.Api;

/// <summary>What operators' tools see: reflection (grpcurl without proto files) and grpc.health.v1, from the libraries.</summary>
[TestClass]
public sealed class ReflectionAndHealthTests
{
    private static readonly string[] ExpectedServices =
    [
        "chat.v1.AdminService", "chat.v1.AuthService", "chat.v1.ChatService", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
    ];

    [TestMethod]
    public async Task ReflectionV1_ListServices_NamesEveryService()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var call = new V1.ServerReflection.ServerReflectionClient(server.Channel).ServerReflectionInfo(ChatServerHost.Options());

        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { ListServices = "" }).WaitAsync(ChatServerHost.Timeout);
        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).Order().ToArray();

        CollectionAssert.AreEqual(ExpectedServices, names);
    }

    [TestMethod]
    public async Task ReflectionV1Alpha_ListServices_NamesEveryService()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var call = new V1Alpha.ServerReflection.ServerReflectionClient(server.Channel).ServerReflectionInfo(ChatServerHost.Options());

        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { ListServices = "" }).WaitAsync(ChatServerHost.Timeout);
        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).Order().ToArray();

        CollectionAssert.AreEqual(ExpectedServices, names);
    }

    /// <summary>Connect is bound from a hand-built definition (pre-serialized frames); reflection must still describe it as the contract says.</summary>
    [TestMethod]
    public async Task ReflectionV1_FileContainingChatService_DescribesConnectAsBidiStream()
    {
        await using var server = await ChatServerHost.StartAsync();
        using var call = new V1.ServerReflection.ServerReflectionClient(server.Channel).ServerReflectionInfo(ChatServerHost.Options());

        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { FileContainingSymbol = "chat.v1.ChatService" }).WaitAsync(ChatServerHost.Timeout);
        Assert.IsTrue(await call.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto.Select(bytes => FileDescriptorProto.Parser.ParseFrom(bytes)).ToList();
        var connect = files.SelectMany(f => f.Service).Single(s => s.Name == "ChatService").Method.Single(m => m.Name == "Connect");

        Assert.IsTrue(connect.ClientStreaming && connect.ServerStreaming);
        Assert.AreEqual(".chat.v1.ServerFrame", connect.OutputType);
        CollectionAssert.Contains(files.Select(f => f.Name).ToList(), "chat/v1/types.proto", "the file's dependencies come along, so a client can decode every type");
    }

    [TestMethod]
    public async Task HealthWatch_ServerStops_NotServingThenTheWatchEnds()
    {
        var server = await ChatServerHost.StartAsync();
        try
        {
            // A channel of its own: stopping the server disposes server.Channel, and with it any call still being read.
            using var channel = ChatChannel.For($"http://127.0.0.1:{server.GrpcPort}");
            using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "chat.v1.ChatService" }, new CallOptions());
            Assert.IsTrue(await watch.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));
            Assert.AreEqual(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);

            var stopping = server.StopServerAsync();
            Assert.IsTrue(await watch.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));
            Assert.AreEqual(HealthCheckResponse.Types.ServingStatus.NotServing, watch.ResponseStream.Current.Status);

            // The server ends the watch itself (OK): left to the client, it would hold shutdown until the host
            // gave up on it and aborted the stream, which the client would see as an error.
            Assert.IsFalse(await watch.ResponseStream.MoveNext().WaitAsync(ChatServerHost.Timeout));
            Assert.AreEqual(StatusCode.OK, watch.GetStatus().StatusCode);
            await stopping.WaitAsync(ChatServerHost.Timeout);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task HealthCheck_UnknownService_NotFound()
    {
        await using var server = await ChatServerHost.StartAsync();

        var error = await Assert.ThrowsExactlyAsync<RpcException>(() =>
            new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        Assert.AreEqual(StatusCode.NotFound, error.StatusCode);
    }
}
