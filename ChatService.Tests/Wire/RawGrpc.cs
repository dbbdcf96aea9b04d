using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace ChatService.Tests.Wire;

/// <summary>Hand-made gRPC requests over a plain HttpClient, for what our own client never sends.</summary>
internal static class RawGrpc
{
    public static HttpRequestMessage Post(Uri server, string path, Version version, string contentType, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        return request;
    }

    public static HttpRequestMessage PostUnary(Uri server, string path, IMessage message, Version? version = null) =>
        Post(server, path, version ?? HttpVersion.Version20, "application/grpc", WireFrames.Build(0, message.ToByteArray()));

    /// <summary>Sends and reads the whole body, so trailers are available afterwards.</summary>
    public static async Task<(HttpResponseMessage Response, byte[] Body)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        var response = await client.SendAsync(request).WaitAsync(WireTimeouts.Call);
        var body = await response.Content.ReadAsByteArrayAsync().WaitAsync(WireTimeouts.Call);
        return (response, body);
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;

    public static string? Trailer(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>grpc-status from the trailers, or from the headers of a trailers-only response.</summary>
    public static string? Status(HttpResponseMessage response) => Trailer(response, "grpc-status") ?? Header(response, "grpc-status");
}
