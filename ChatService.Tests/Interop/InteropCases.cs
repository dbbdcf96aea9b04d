using ChatGrpc.Interop;

namespace ChatService.Tests.Interop;

internal static class InteropCases
{
    /// <summary>Every case the Ruby (C-core) interop client has; it lacks special_status_message.</summary>
    public static IEnumerable<object[]> Ruby => InteropClient.Cases.Where(c => c != "special_status_message").Select(c => new object[] { c });

    public static IEnumerable<object[]> All => InteropClient.Cases.Select(c => new object[] { c });

    /// <summary>
    /// The Ruby interop server does not implement the CompressedRequest check, so the two
    /// compressed-request cases cannot pass against it whoever the client is (Python and grpc-js fail them too).
    /// </summary>
    public static IEnumerable<object[]> AgainstRubyServer => InteropClient.Cases
        .Where(c => c is not ("client_compressed_unary" or "client_compressed_streaming"))
        .Select(c => new object[] { c });

    /// <summary>gRPC-Web has no client streaming: only unary and server-streaming cases apply.</summary>
    public static IEnumerable<object[]> GrpcWeb =>
        new[]
        {
            "empty_unary", "large_unary", "server_streaming", "custom_metadata", "status_code_and_message",
            "special_status_message", "unimplemented_method", "unimplemented_service", "timeout_on_sleeping_server",
        }.Select(c => new object[] { c });
}
