using System.Collections.Concurrent;
using System.Text.Json;
using NovaMind.Contracts;
using NovaMind.Domain.Monitoring;

namespace NovaMind.Grains.Monitoring;

/// <summary>
/// What a PGx version's offline report measured for the treatment-response model on held-out simulated patients
/// (<c>models/pgx/&lt;version&gt;/report.json</c>): the calibrated model's Brier score and the base rate's. Cached per version.
/// </summary>
public sealed class OfflinePgxAccuracy(string pgxRoot)
{
    private readonly ConcurrentDictionary<string, (double? Brier, double? BaseRateBrier, string Source)> _cache = new(StringComparer.Ordinal);

    public (double? Brier, double? BaseRateBrier, string Source) For(string version) => _cache.GetOrAdd(version, v =>
    {
        var report = Path.Combine(pgxRoot, v, "report.json");
        if (!File.Exists(report)) return (null, null, $"no offline report found for PGx {v}");
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        double? Brier(string prefix) => doc.RootElement.GetProperty("efficacy").EnumerateArray()
            .Where(e => e.GetProperty("model").GetString()!.StartsWith(prefix, StringComparison.Ordinal)).Select(e => (double?)e.GetProperty("brier").GetDouble()).FirstOrDefault();
        return (Brier("transformer (temperature-scaled)"), Brier("base rate"), $"training report of PGx {v} (held-out simulated test set, all drugs pooled)");
    });
}

[GenerateSerializer]
public sealed class PgxAccuracyState
{
    [Id(0)] public Dictionary<string, PgxAccuracyDeltaDto> Drugs { get; set; } = [];
    [Id(1)] public DateTimeOffset? FirstScoredAt { get; set; }
    [Id(2)] public DateTimeOffset? LastScoredAt { get; set; }
}

/// <summary>
/// Live Brier scores of one PGx model version (key: the version), from estimates scored by the treatments that followed
/// them (issue 16), per drug and pooled, next to the offline report's Brier score; flagged by the same one-sided rule as
/// forecasts (<see cref="LiveAccuracyRule"/>, with the Brier score as the loss). Aggregates only.
/// </summary>
public sealed class PgxAccuracyGrain(
    [PersistentState("pgx-accuracy", MonitoringStorage.Name)] IPersistentState<PgxAccuracyState> state,
    OfflinePgxAccuracy offline, LiveAccuracyRule rule) : Grain, IPgxAccuracyGrain
{
    public const string AllDrugs = "all";
    private bool _registered;

    public async Task Add(PgxAccuracyDeltaDto[] deltas, DateTimeOffset scoredAt)
    {
        foreach (var d in deltas) state.State.Drugs[d.Drug] = LiveAccuracyAggregator.Merge(state.State.Drugs.GetValueOrDefault(d.Drug), d);
        state.State.FirstScoredAt ??= scoredAt;
        state.State.LastScoredAt = scoredAt;
        await state.WriteStateAsync();
        if (_registered) return;
        await GrainFactory.GetGrain<IModelMonitoringRegistryGrain>(0).Register("pgx", this.GetPrimaryKeyString());
        _registered = true;
    }

    public Task<PgxVersionMonitoringDto> Snapshot()
    {
        var version = this.GetPrimaryKeyString();
        var (brier, baseRate, source) = offline.For(version);
        var all = state.State.Drugs.Values.Aggregate((PgxAccuracyDeltaDto?)null, LiveAccuracyAggregator.Merge) ?? new PgxAccuracyDeltaDto(AllDrugs, 0, 0, 0, 0, 0);
        var rows = new[] { all with { Drug = AllDrugs } }.Concat(state.State.Drugs.Values.OrderBy(d => d.Drug, StringComparer.Ordinal))
            .Select(d =>
            {
                var stats = new AccuracyStats(d.Count, d.SumBrier, d.SumSquaredBrier, 0, 0);
                var verdict = rule.Evaluate(stats, brier is { } b ? new OfflineAccuracy(b, null, null, source) : null);
                double? Mean(double sum) => d.Count == 0 ? null : sum / d.Count;
                return new PgxBrierDto(d.Drug, d.Count, Mean(d.SumBrier), Mean(d.SumProbability), Mean(d.Responses), brier, baseRate, verdict.Ratio,
                    verdict.Flagged, verdict.EnoughData);
            }).ToArray();
        return Task.FromResult(new PgxVersionMonitoringDto(version, state.State.FirstScoredAt, state.State.LastScoredAt, source,
            rule.DescriptionFor("Brier score"), rows.Any(r => r.Flagged), rows));
    }
}
