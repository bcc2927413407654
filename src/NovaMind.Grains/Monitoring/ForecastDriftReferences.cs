using System.Collections.Concurrent;
using NovaMind.Domain.Monitoring;
using NovaMind.Ml.Forecasting.Monitoring;

namespace NovaMind.Grains.Monitoring;

/// <summary>The drift references of each forecast version in the models folder the silo serves from (<c>&lt;version&gt;/&lt;symptom&gt;/reference.json</c>); cached.</summary>
public sealed class ForecastDriftReferences(string forecastRoot)
{
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, ForecastDriftReference>> _cache = new(StringComparer.Ordinal);

    /// <summary>Per symptom; empty for a version trained before references existed (0.5.0 and older) or not on this silo.</summary>
    public IReadOnlyDictionary<string, ForecastDriftReference> For(string version) => _cache.GetOrAdd(version, v =>
    {
        var folder = Path.Combine(forecastRoot, v);
        if (!Directory.Exists(folder)) return new Dictionary<string, ForecastDriftReference>();
        return Directory.EnumerateDirectories(folder).Select(ForecastDriftReference.Load).OfType<ForecastDriftReference>()
            .ToDictionary(r => r.Symptom, StringComparer.Ordinal);
    });

    public static ReferenceDistribution? Find(ForecastDriftReference reference, string kind, string feature) =>
        (kind == ForecastDriftMonitor.InputKind ? reference.Inputs : reference.Predictions).FirstOrDefault(r => r.Name == feature);
}
