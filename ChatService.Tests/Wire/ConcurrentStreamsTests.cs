using System.Collections.Concurrent;
using ChatGrpc.Interop;
using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Grpc.Testing;

namespace ChatService.Tests.Wire;

[TestClass]
public sealed class ConcurrentStreamsTests
{
    private const int StreamLimit = 100;
    private const int Calls = 150;

    [TestMethod]
    public async Task ServerStreaming_MoreCallsThanStreamLimit_AllGetFirstMessageOverExtraConnections()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connections = new ConcurrentDictionary<string, int>();
        await using var host = await WireTestHost.StartAsync(options =>
        {
            options.Services.Add(TestServiceDefinition.Create(streamingOutputCall: async (_, responses, context) =>
            {
                connections.AddOrUpdate(context.GetHttpContext().Connection.Id, 1, (_, n) => n + 1);
                await responses.WriteAsync(new StreamingOutputCallResponse());
                // Every call holds its stream open until all of them have been seen at once.
                await release.Task.WaitAsync(context.CancellationToken);
            }));
            options.Kestrel = kestrel => kestrel.Limits.Http2.MaxStreamsPerConnection = StreamLimit;
        });
        using var channel = host.CreateChannel();
        var client = new TestServiceClient(channel);
        var calls = Enumerable.Range(0, Calls).Select(_ => client.StreamingOutputCall(new StreamingOutputCallRequest())).ToList();
        try
        {
            var firsts = await Task.WhenAll(calls.Select(call => call.ResponseStream.MoveNext())).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.AreEqual(Calls, firsts.Count(got => got), "Every call should have its first message while all are open.");
            Assert.IsGreaterThanOrEqualTo(2, connections.Count, "150 concurrent streams cannot fit on one connection limited to 100.");
            Assert.IsTrue(connections.Values.All(n => n <= StreamLimit), $"A connection carried more than {StreamLimit} streams: {string.Join(", ", connections.Values)}");

            release.TrySetResult();
            var ends = await Task.WhenAll(calls.Select(call => call.ResponseStream.MoveNext())).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.IsTrue(ends.All(more => !more));
            Assert.IsTrue(calls.All(call => call.GetStatus().Code == StatusCode.OK));
        }
        finally
        {
            release.TrySetResult();
            calls.ForEach(call => call.Dispose());
        }
    }
}
