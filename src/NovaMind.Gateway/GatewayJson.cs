using System.Text.Json;
using System.Text.Json.Serialization;

namespace NovaMind.Gateway;

/// <summary>The API speaks snake_case JSON (HTTP and SignalR alike).</summary>
public static class GatewayJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null; // dictionary keys are data (gene names), never renamed
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        o.PropertyNameCaseInsensitive = false;
        return o;
    }
}
