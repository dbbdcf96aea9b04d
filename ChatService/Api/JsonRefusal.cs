using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatService.Api;

/// <summary>The JSON API's error body (google.rpc.Status as JSON transcoding writes it) for refusals made before a call runs.</summary>
internal sealed record JsonRefusal(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("details")] object[] Details);

[JsonSerializable(typeof(JsonRefusal))]
internal sealed partial class JsonRefusalContext : JsonSerializerContext
{
    /// <summary>Quotes and angle brackets as they are, as transcoding writes its own errors: this is a JSON body, never HTML.</summary>
    public static readonly JsonSerializerOptions Relaxed = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = Default,
    };
}
