using ChatGrpc.Wire;
using ChatGrpc.Wire.Client;
using Google.Protobuf;
using Grpc.Testing;

namespace ChatGrpc.Interop;

/// <summary>The interop test cases, run by our client against any TestService server.</summary>
public sealed class InteropClient(GrpcChannel channel)
{
    public static readonly IReadOnlyList<string> Cases =
    [
        "empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
        "timeout_on_sleeping_server", "cancel_after_begin", "cancel_after_first_response", "custom_metadata",
        "status_code_and_message", "special_status_message", "unimplemented_method", "unimplemented_service",
        "client_compressed_unary", "client_compressed_streaming",
    ];

    private const string SpecialMessage = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    private readonly TestServiceClient _client = new(channel);

    public Task RunAsync(string testCase) => testCase switch
    {
        "empty_unary" => EmptyUnaryAsync(),
        "large_unary" => LargeUnaryAsync(),
        "client_streaming" => ClientStreamingAsync(),
        "server_streaming" => ServerStreamingAsync(),
        "ping_pong" => PingPongAsync(),
        "empty_stream" => EmptyStreamAsync(),
        "timeout_on_sleeping_server" => TimeoutOnSleepingServerAsync(),
        "cancel_after_begin" => CancelAfterBeginAsync(),
        "cancel_after_first_response" => CancelAfterFirstResponseAsync(),
        "custom_metadata" => CustomMetadataAsync(),
        "status_code_and_message" => StatusCodeAndMessageAsync(),
        "special_status_message" => SpecialStatusMessageAsync(),
        "unimplemented_method" => UnimplementedMethodAsync(),
        "unimplemented_service" => UnimplementedServiceAsync(),
        "client_compressed_unary" => ClientCompressedUnaryAsync(),
        "client_compressed_streaming" => ClientCompressedStreamingAsync(),
        _ => throw new ArgumentException($"Unknown test case '{testCase}'.", nameof(testCase)),
    };

    private static CallOptions Options(Metadata? headers = null, string? compression = null) =>
        new CallOptions(headers, Compression: compression).WithDeadlineAfter(CallTimeout);

    private async Task EmptyUnaryAsync()
    {
        var response = await _client.EmptyCall(new Empty(), Options());
        Expect(response.CalculateSize() == 0, "EmptyCall returned a non-empty message");
    }

    private async Task LargeUnaryAsync()
    {
        var response = await _client.UnaryCall(new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, Options());
        ExpectZeros(response.Payload, 314159);
    }

    private async Task ClientStreamingAsync()
    {
        using var call = _client.StreamingInputCall(Options());
        foreach (var size in new[] { 27182, 8, 1828, 45904 })
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(size) });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Expect(response.AggregatedPayloadSize == 74922, $"aggregated size {response.AggregatedPayloadSize}, expected 74922");
    }

    private async Task ServerStreamingAsync()
    {
        int[] sizes = [31415, 9, 2653, 58979];
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(sizes.Select(size => new ResponseParameters { Size = size }));
        using var call = _client.StreamingOutputCall(request, Options());
        var received = new List<int>();
        while (await call.ResponseStream.MoveNext())
        {
            ExpectZeros(call.ResponseStream.Current.Payload, sizes[Math.Min(received.Count, sizes.Length - 1)]);
            received.Add(call.ResponseStream.Current.Payload.Body.Length);
        }

        Expect(received.SequenceEqual(sizes), $"response sizes [{string.Join(",", received)}]");
    }

    private async Task PingPongAsync()
    {
        (int Request, int Response)[] pairs = [(27182, 31415), (8, 9), (1828, 2653), (45904, 58979)];
        using var call = _client.FullDuplexCall(Options());
        foreach (var (requestSize, responseSize) in pairs)
        {
            await call.RequestStream.WriteAsync(OutputRequest(requestSize, responseSize));
            Expect(await call.ResponseStream.MoveNext(), "stream ended before the expected response");
            ExpectZeros(call.ResponseStream.Current.Payload, responseSize);
        }

        await call.RequestStream.CompleteAsync();
        Expect(!await call.ResponseStream.MoveNext(), "unexpected extra response");
    }

    private async Task EmptyStreamAsync()
    {
        using var call = _client.FullDuplexCall(Options());
        await call.RequestStream.CompleteAsync();
        Expect(!await call.ResponseStream.MoveNext(), "empty stream produced a response");
    }

    private async Task TimeoutOnSleepingServerAsync()
    {
        using var call = _client.FullDuplexCall(new CallOptions().WithDeadlineAfter(TimeSpan.FromMilliseconds(1)));
        try
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = Zeros(27182) });
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            // The deadline may pass before the write; that is the outcome under test.
        }

        await ExpectStatusAsync(StatusCode.DeadlineExceeded, () => call.ResponseStream.MoveNext());
    }

    private async Task CancelAfterBeginAsync()
    {
        using var cancellation = new CancellationTokenSource();
        using var call = _client.StreamingInputCall(new CallOptions(CancellationToken: cancellation.Token).WithDeadlineAfter(CallTimeout));
        await cancellation.CancelAsync();
        await ExpectStatusAsync(StatusCode.Cancelled, () => call.ResponseAsync);
    }

    private async Task CancelAfterFirstResponseAsync()
    {
        using var cancellation = new CancellationTokenSource();
        using var call = _client.FullDuplexCall(new CallOptions(CancellationToken: cancellation.Token).WithDeadlineAfter(CallTimeout));
        await call.RequestStream.WriteAsync(OutputRequest(27182, 31415));
        Expect(await call.ResponseStream.MoveNext(), "no first response");
        ExpectZeros(call.ResponseStream.Current.Payload, 31415);
        await cancellation.CancelAsync();
        await ExpectStatusAsync(StatusCode.Cancelled, () => call.ResponseStream.MoveNext());
    }

    private async Task CustomMetadataAsync()
    {
        const string initialKey = "x-grpc-test-echo-initial";
        const string initialValue = "test_initial_metadata_value";
        const string trailingKey = "x-grpc-test-echo-trailing-bin";
        byte[] trailingValue = [0xab, 0xab, 0xab];
        var headers = new Metadata().Add(initialKey, initialValue).Add(trailingKey, trailingValue);

        using (var unary = _client.UnaryCall(new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, Options(headers)))
        {
            ExpectZeros((await unary).Payload, 314159);
            Expect((await unary.ResponseHeadersAsync).GetValue(initialKey) == initialValue, "unary: initial metadata not echoed");
            Expect(unary.GetTrailers().GetBytes(trailingKey)?.SequenceEqual(trailingValue) == true, "unary: trailing metadata not echoed");
        }

        using var duplex = _client.FullDuplexCall(Options(headers));
        await duplex.RequestStream.WriteAsync(OutputRequest(271828, 314159));
        await duplex.RequestStream.CompleteAsync();
        Expect(await duplex.ResponseStream.MoveNext(), "duplex: no response");
        ExpectZeros(duplex.ResponseStream.Current.Payload, 314159);
        Expect(!await duplex.ResponseStream.MoveNext(), "duplex: unexpected extra response");
        Expect((await duplex.ResponseHeadersAsync).GetValue(initialKey) == initialValue, "duplex: initial metadata not echoed");
        Expect(duplex.GetTrailers().GetBytes(trailingKey)?.SequenceEqual(trailingValue) == true, "duplex: trailing metadata not echoed");
    }

    private async Task StatusCodeAndMessageAsync()
    {
        const string message = "test status message";
        var status = new EchoStatus { Code = 2, Message = message };
        var error = await ExpectStatusAsync(StatusCode.Unknown, async () => await _client.UnaryCall(new SimpleRequest { ResponseStatus = status }, Options()));
        Expect(error.Status.Detail == message, $"unary: status message '{error.Status.Detail}'");

        using var duplex = _client.FullDuplexCall(Options());
        await duplex.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = status });
        await duplex.RequestStream.CompleteAsync();
        error = await ExpectStatusAsync(StatusCode.Unknown, () => duplex.ResponseStream.MoveNext());
        Expect(error.Status.Detail == message, $"duplex: status message '{error.Status.Detail}'");
    }

    private async Task SpecialStatusMessageAsync()
    {
        var status = new EchoStatus { Code = 2, Message = SpecialMessage };
        var error = await ExpectStatusAsync(StatusCode.Unknown, async () => await _client.UnaryCall(new SimpleRequest { ResponseStatus = status }, Options()));
        Expect(error.Status.Detail == SpecialMessage, $"status message arrived as '{error.Status.Detail}'");
    }

    private async Task UnimplementedMethodAsync() =>
        await ExpectStatusAsync(StatusCode.Unimplemented, async () => await _client.UnimplementedCall(new Empty(), Options()));

    private async Task UnimplementedServiceAsync() =>
        await ExpectStatusAsync(StatusCode.Unimplemented, async () => await new UnimplementedServiceClient(channel).UnimplementedCall(new Empty(), Options()));

    private async Task ClientCompressedUnaryAsync()
    {
        var probe = new SimpleRequest { ExpectCompressed = new BoolValue { Value = true }, ResponseSize = 314159, Payload = Zeros(271828) };
        await ExpectStatusAsync(StatusCode.InvalidArgument, async () => await _client.UnaryCall(probe, Options()));

        var compressed = await _client.UnaryCall(probe, Options(compression: "gzip"));
        ExpectZeros(compressed.Payload, 314159);

        var plain = new SimpleRequest { ExpectCompressed = new BoolValue { Value = false }, ResponseSize = 314159, Payload = Zeros(271828) };
        ExpectZeros((await _client.UnaryCall(plain, Options())).Payload, 314159);
    }

    private async Task ClientCompressedStreamingAsync()
    {
        using (var probe = _client.StreamingInputCall(Options()))
        {
            await probe.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = true }, Payload = Zeros(27182) });
            await probe.RequestStream.CompleteAsync();
            await ExpectStatusAsync(StatusCode.InvalidArgument, () => probe.ResponseAsync);
        }

        using var call = _client.StreamingInputCall(Options(compression: "gzip"));
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = true }, Payload = Zeros(27182) });
        call.RequestStream.WriteOptions = new WriteOptions(NoCompress: true);
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = false }, Payload = Zeros(45904) });
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Expect(response.AggregatedPayloadSize == 73086, $"aggregated size {response.AggregatedPayloadSize}, expected 73086");
    }

    private static StreamingOutputCallRequest OutputRequest(int requestSize, int responseSize)
    {
        var request = new StreamingOutputCallRequest { Payload = Zeros(requestSize) };
        request.ResponseParameters.Add(new ResponseParameters { Size = responseSize });
        return request;
    }

    private static Payload Zeros(int size) => new() { Body = ByteString.CopyFrom(new byte[size]) };

    private static void ExpectZeros(Payload? payload, int size)
    {
        Expect(payload is not null, "response has no payload");
        Expect(payload!.Body.Length == size, $"payload of {payload.Body.Length} bytes, expected {size}");
        Expect(payload.Body.Span.IndexOfAnyExcept((byte)0) < 0, "payload is not all zeros");
    }

    private static async Task<RpcException> ExpectStatusAsync(StatusCode expected, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (RpcException ex) when (ex.StatusCode == expected)
        {
            return ex;
        }
        catch (RpcException ex)
        {
            throw new InteropCaseFailedException($"expected {expected}, got {ex.Status}");
        }

        throw new InteropCaseFailedException($"expected {expected}, but the call succeeded");
    }

    private static void Expect(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InteropCaseFailedException(failure);
        }
    }
}

public sealed class InteropCaseFailedException(string message) : Exception(message);
