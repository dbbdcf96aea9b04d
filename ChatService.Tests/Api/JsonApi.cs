using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ChatService.Tests.Chat;

namespace ChatService.Tests.Api;

/// <summary>The JSON API as curl or a script sees it: plain HTTP/1.1 on the web port, JSON in and out, no gRPC types.</summary>
internal sealed class JsonApi(int webPort) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{webPort}"), Timeout = ChatServerHost.Timeout };

    public Task<JsonReply> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, null, token);

    public Task<JsonReply> PostAsync(string path, string? json, string? token = null) => SendAsync(HttpMethod.Post, path, json, token);

    public Task<JsonReply> DeleteAsync(string path, string? token = null) => SendAsync(HttpMethod.Delete, path, null, token);

    public async Task<JsonReply> SendAsync(HttpMethod method, string path, string? json, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _http.SendAsync(request).WaitAsync(ChatServerHost.Timeout);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(ChatServerHost.Timeout);
        return new JsonReply(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response.Headers);
    }

    /// <summary>Registers through the JSON API and returns the access token.</summary>
    public async Task<string> RegisterAsync(string name)
    {
        var reply = await PostAsync("/v1/auth/register", $$"""{"userName":"{{name}}","password":"password-{{name}}"}""");
        reply.AssertOk();
        return reply.Body!["tokens"]!["accessToken"]!.GetValue<string>();
    }

    public void Dispose() => _http.Dispose();
}

internal sealed record JsonReply(HttpStatusCode Status, JsonNode? Body, HttpResponseHeaders Headers)
{
    public void AssertOk() => Assert.AreEqual(HttpStatusCode.OK, Status, Body?.ToJsonString());

    /// <summary>Asserts a refusal: the HTTP status, and the gRPC code and message in transcoding's error body.</summary>
    public string AssertError(HttpStatusCode status, Grpc.Core.StatusCode code)
    {
        Assert.AreEqual(status, Status, Body?.ToJsonString());
        Assert.AreEqual((int)code, Body!["code"]!.GetValue<int>(), Body.ToJsonString());
        var message = Body["message"]!.GetValue<string>();
        Assert.IsFalse(string.IsNullOrWhiteSpace(message), "a refusal says why");
        return message;
    }
}
