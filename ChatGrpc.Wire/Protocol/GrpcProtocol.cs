namespace ChatGrpc.Wire.Protocol;

/// <summary>Names and numbers the gRPC and gRPC-Web specifications fix. Kept in one place.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string ContentTypeProto = "application/grpc+proto";
    public const string WebContentType = "application/grpc-web";
    public const string WebContentTypeProto = "application/grpc-web+proto";
    public const string WebTextContentType = "application/grpc-web-text";
    public const string WebTextContentTypeProto = "application/grpc-web-text+proto";

    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string StatusDetailsHeader = "grpc-status-details-bin";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";
    public const string UserAgent = "chatgrpc-dotnet/1.0";

    public const string IdentityEncoding = "identity";
    public const string GzipEncoding = "gzip";
    public const string SupportedEncodings = "identity,gzip";

    /// <summary>Flag byte + 4-byte big-endian length.</summary>
    public const int FrameHeaderSize = 5;
    public const byte CompressedFlag = 0x01;

    /// <summary>gRPC-Web marks the frame that carries trailers with the high bit of the flag byte.</summary>
    public const byte WebTrailersFlag = 0x80;

    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>HTTP/2 RST_STREAM codes the server and client use.</summary>
    public const int Http2NoError = 0x0;
    public const int Http2InternalError = 0x2;
    public const int Http2RefusedStream = 0x7;
    public const int Http2Cancel = 0x8;
    public const int Http2EnhanceYourCalm = 0xb;

    /// <summary>
    /// The RST_STREAM code a client maps back to <paramref name="code"/> (gRPC's HTTP/2 mapping):
    /// only RESOURCE_EXHAUSTED, CANCELLED and UNAVAILABLE survive a reset; anything else reads as INTERNAL.
    /// </summary>
    public static int Http2ResetCodeFor(StatusCode code) => code switch
    {
        StatusCode.ResourceExhausted => Http2EnhanceYourCalm,
        StatusCode.Cancelled => Http2Cancel,
        StatusCode.Unavailable => Http2RefusedStream,
        _ => Http2InternalError,
    };

    /// <summary>Headers the protocol owns; never surfaced to applications as metadata.</summary>
    public static bool IsReservedHeader(string key) =>
        key.StartsWith(':')
        || key is "content-type" or "te" or "user-agent" or "host" or "content-length" or "connection"
            or "accept-encoding" or "transfer-encoding" or "keep-alive" or "upgrade"
        || (key.StartsWith("grpc-", StringComparison.Ordinal) && key != StatusDetailsHeader);

    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null
        && (IsExactly(contentType, ContentType) || contentType.StartsWith(ContentType + "+", StringComparison.OrdinalIgnoreCase)
            || IsExactly(contentType, WebContentType) || contentType.StartsWith(WebContentType + "+", StringComparison.OrdinalIgnoreCase)
            || IsExactly(contentType, WebTextContentType) || contentType.StartsWith(WebTextContentType + "+", StringComparison.OrdinalIgnoreCase));

    private static bool IsExactly(string contentType, string expected)
    {
        var semicolon = contentType.IndexOf(';');
        var bare = semicolon < 0 ? contentType : contentType[..semicolon];
        return string.Equals(bare.Trim(), expected, StringComparison.OrdinalIgnoreCase);
    }
}
