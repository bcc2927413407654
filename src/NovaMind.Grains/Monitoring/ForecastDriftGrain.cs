using NovaMind.Contracts;
using NovaMind.Domain.Monitoring;

namespace NovaMind.Grains.Monitoring;

/// <summary>
/// Drift of one forecast model version (key: the version): each silo's latest window counts (replaced, not added: the
/// windows slide), merged bin by bin over the silos that reported within <see cref="ForecastDriftOptions.StaleAfter"/>
/// and judged by the drift rule. Kept in memory only — the windows are rebuilt by the silos within one interval.
/// </summary>
public sealed class ForecastDriftGrain(ForecastDriftReferences references, DriftRule rule, ForecastDriftOptions options, TimeProvider clock) : Grain, IForecastDriftGrain
{
    private readonly Dictionary<string, (DriftCountsDto[] Counts, DateTimeOffset At)> _silos = new(StringComparer.Ordinal);
    private bool _registered;

    public async Task Report(string silo, DriftCountsDto[] counts, DateTimeOffset at)
    {
        _silos[silo] = (counts, at);
        if (_registered) return;
        await GrainFactory.GetGrain<IModelMonitoringRegistryGrain>(0).Register("forecast", this.GetPrimaryKeyString());
        _registered = true;
    }

    public Task<ForecastDriftSnapshotDto> Snapshot()
    {
        var version = this.GetPrimaryKeyString();
        var refs = references.For(version);
        var now = clock.GetUtcNow();
        var live = _silos.Where(s => now - s.Value.At <= options.StaleAfter).Select(s => s.Value.Counts).ToList();
        var features = new List<FeatureDriftDto>();
        foreach (var (symptom, reference) in refs.OrderBy(r => r.Key, StringComparer.Ordinal))
            foreach (var (kind, distributions) in new[] { (ForecastDriftMonitor.InputKind, reference.Inputs), (ForecastDriftMonitor.PredictionKind, reference.Predictions) })
                foreach (var distribution in distributions)
                {
                    var merged = new long[distribution.Bins];
                    foreach (var silo in live)
                        foreach (var c in silo.Where(c => c.Symptom == symptom && c.Kind == kind && c.Feature == distribution.Name && c.Counts.Length == merged.Length))
                            for (var b = 0; b < merged.Length; b++) merged[b] += c.Counts[b];
                    var r = rule.Evaluate(distribution, merged);
                    features.Add(new FeatureDriftDto(symptom, distribution.Name, kind, r.Count, Finite(r.Psi), Finite(r.ChiSquarePValue), r.Drifted));
                }
        var source = refs.Count == 0 ? $"no drift reference in {version} (sets trained before 0.6.0 have none)"
            : string.Join("; ", refs.Values.Select(r => $"{r.Symptom}: {r.Source}"));
        return Task.FromResult(new ForecastDriftSnapshotDto(
            $"{rule.Description}; each silo's last {options.WindowValues} values per feature, merged over silos",
            source, live.Count, features.Any(f => f.Drifted), [.. features]));
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}
