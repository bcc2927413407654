using System.Collections.Concurrent;
using System.Text.Json;
using NovaMind.Domain.Monitoring;

namespace NovaMind.Grains.Monitoring;

/// <summary>
/// What a forecast version's offline evaluation measured, per symptom and horizon bucket: from the release evaluation on
/// fresh seeds (<c>release-evaluation.json</c>, the served personalised predictor on the training simulator) when the
/// version has one, else from the training report's test split (<c>&lt;symptom&gt;/report.json</c>, the global ensemble).
/// Read from the models folder the silo serves from; cached per version.
/// </summary>
public sealed class OfflineForecastAccuracy(string forecastRoot)
{
    private readonly ConcurrentDictionary<string, (IReadOnlyDictionary<(string Symptom, string Bucket), OfflineAccuracy> Buckets, string Source)> _cache = new(StringComparer.Ordinal);

    public (IReadOnlyDictionary<(string Symptom, string Bucket), OfflineAccuracy> Buckets, string Source) For(string version) =>
        _cache.GetOrAdd(version, Load);

    private (IReadOnlyDictionary<(string, string), OfflineAccuracy>, string) Load(string version)
    {
        var folder = Path.Combine(forecastRoot, version);
        var result = new Dictionary<(string, string), OfflineAccuracy>();
        var release = Path.Combine(folder, "release-evaluation.json");
        if (File.Exists(release))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(release));
            var predictor = $"personalised_{version}";
            var source = $"release evaluation of {version} (fresh seeds, training simulator, predictor {predictor})";
            foreach (var row in doc.RootElement.GetProperty("training").EnumerateArray())
            {
                if (row.GetProperty("predictor").GetString() != predictor) continue;
                var symptom = row.GetProperty("symptom").GetString()!;
                var mae = row.GetProperty("mae_by_horizon").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                double[]? cover80 = Numbers(row, "coverage80_by_horizon"), cover95 = Numbers(row, "coverage95_by_horizon");
                foreach (var bucket in HorizonBuckets.All)
                    if (Mean(mae, bucket) is { } m)
                        result[(symptom, bucket)] = new OfflineAccuracy(m, cover80 is null ? Number(row, "coverage80") : Mean(cover80, bucket),
                            cover95 is null ? Number(row, "coverage95") : Mean(cover95, bucket), source);
            }
            if (result.Count > 0) return (result, source);
        }
        foreach (var symptomFolder in Directory.Exists(folder) ? Directory.EnumerateDirectories(folder) : [])
        {
            var report = Path.Combine(symptomFolder, "report.json");
            if (!File.Exists(report)) continue;
            using var doc = JsonDocument.Parse(File.ReadAllText(report));
            var symptom = Path.GetFileName(symptomFolder);
            var mae = doc.RootElement.GetProperty("mae").GetProperty("ensemble").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var coverage = doc.RootElement.TryGetProperty("coverage", out var c) ? c : default;
            foreach (var bucket in HorizonBuckets.All)
                if (Mean(mae, bucket) is { } m)
                    result[(symptom, bucket)] = new OfflineAccuracy(m, Number(coverage, "80"), Number(coverage, "95"), "training report (test split)");
        }
        return (result, result.Count > 0 ? $"training report of {version} (test split, global ensemble)" : $"no offline evaluation found for {version}");
    }

    private static double? Mean(double[] byHorizon, string bucket)
    {
        var (first, last) = HorizonBuckets.Range(bucket);
        var values = byHorizon.Skip(first - 1).Take(last - first + 1).Where(double.IsFinite).ToArray();
        return values.Length == 0 ? null : values.Average();
    }

    private static double[]? Numbers(JsonElement row, string name) =>
        row.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray().Select(x => x.GetDouble())] : null;

    private static double? Number(JsonElement row, string name) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : null;
}
