using System.Text.Json;
using System.Text.Json.Serialization;

namespace NovaMind.Ml;

/// <summary>Versioned artifact folders: <c>models/&lt;kind&gt;/&lt;version&gt;/</c>, with <c>CURRENT</c> naming the served version
/// (changed only through <see cref="ModelPromotions.Promote"/>, which records it).</summary>
public static class ModelArtifacts
{
    public const string CurrentFile = "CURRENT";

    /// <summary>How every artifact's JSON (metadata, reports) is written: indented snake_case, enums as strings, NaN allowed.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The same, one record per line (the promotion log).</summary>
    public static readonly JsonSerializerOptions CompactJson = new(Json) { WriteIndented = false };

    /// <summary>The folder of the version <c>CURRENT</c> names under <paramref name="kindRoot"/>.</summary>
    /// <param name="trainCommand">The command that makes one, for the error message.</param>
    public static string CurrentDirectory(string kindRoot, string description, string trainCommand)
    {
        var currentPath = Path.Combine(kindRoot, CurrentFile);
        if (!File.Exists(currentPath))
            throw new FileNotFoundException($"no {description}: {currentPath} is missing (train one with '{trainCommand}')", currentPath);
        return Path.Combine(kindRoot, File.ReadAllText(currentPath).Trim());
    }
}
