using System.Text.Json;
using System.Text.Json.Serialization;

namespace NovaMind.Gateway;

/// <summary>The API speaks snake_case JSON (HTTP and SignalR alike).</summary>
public static class GatewayJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// Strict reading: unknown properties, duplicate properties and numbers sent as strings are errors (a 400 naming the
    /// path), so a misspelt field can never be silently ignored.
    /// </summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.AllowDuplicateProperties = false;
        o.NumberHandling = JsonNumberHandling.Strict;
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null; // dictionary keys are data (gene names), never renamed
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        o.PropertyNameCaseInsensitive = false;
        return o;
    }
}
