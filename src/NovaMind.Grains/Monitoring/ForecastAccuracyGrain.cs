using NovaMind.Contracts;
using NovaMind.Domain.Monitoring;

namespace NovaMind.Grains.Monitoring;

[GenerateSerializer]
public sealed class ForecastAccuracyState
{
    /// <summary>Key "symptom|bucket".</summary>
    [Id(0)] public Dictionary<string, AccuracyDeltaDto> Buckets { get; set; } = [];
    [Id(1)] public DateTimeOffset? FirstScoredAt { get; set; }
    [Id(2)] public DateTimeOffset? LastScoredAt { get; set; }
}

/// <summary>
/// Live accuracy of one forecast model version (key: the version), merged from every silo's scored points
/// (<see cref="LiveAccuracyAggregator"/>), next to its offline evaluation and the flag rule's verdict. Aggregates only:
/// no patient id, no value of any patient.
/// </summary>
public sealed class ForecastAccuracyGrain(
    [PersistentState("forecast-accuracy", MonitoringStorage.Name)] IPersistentState<ForecastAccuracyState> state,
    OfflineForecastAccuracy offline, LiveAccuracyRule rule) : Grain, IForecastAccuracyGrain
{
    private bool _registered;

    public async Task Add(AccuracyDeltaDto[] deltas, DateTimeOffset scoredAt)
    {
        foreach (var d in deltas)
        {
            var key = $"{d.Symptom}|{d.Bucket}";
            state.State.Buckets[key] = state.State.Buckets.TryGetValue(key, out var had)
                ? had with
                {
                    Count = had.Count + d.Count, SumAbsoluteError = had.SumAbsoluteError + d.SumAbsoluteError,
                    SumSquaredAbsoluteError = had.SumSquaredAbsoluteError + d.SumSquaredAbsoluteError, Hits80 = had.Hits80 + d.Hits80, Hits95 = had.Hits95 + d.Hits95,
                }
                : d;
        }
        state.State.FirstScoredAt ??= scoredAt;
        state.State.LastScoredAt = scoredAt;
        await state.WriteStateAsync();
        if (!_registered)
        {
            await GrainFactory.GetGrain<IModelMonitoringRegistryGrain>(0).Register("forecast", this.GetPrimaryKeyString());
            _registered = true;
        }
    }

    public async Task<ModelVersionMonitoringDto> Snapshot()
    {
        var version = this.GetPrimaryKeyString();
        var drift = await GrainFactory.GetGrain<IForecastDriftGrain>(version).Snapshot();
        var (offlineBuckets, source) = offline.For(version);
        var keys = state.State.Buckets.Values.Select(b => (b.Symptom, b.Bucket)).Concat(offlineBuckets.Keys).Distinct()
            .OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => Array.IndexOf(HorizonBuckets.All, k.Item2));
        var buckets = new List<BucketAccuracyDto>();
        foreach (var (symptom, bucket) in keys)
        {
            var live = state.State.Buckets.TryGetValue($"{symptom}|{bucket}", out var d)
                ? new AccuracyStats(d.Count, d.SumAbsoluteError, d.SumSquaredAbsoluteError, d.Hits80, d.Hits95) : AccuracyStats.Empty;
            var off = offlineBuckets.GetValueOrDefault((symptom, bucket));
            var verdict = rule.Evaluate(live, off);
            buckets.Add(new BucketAccuracyDto(symptom, bucket, live.Count, Finite(live.Mae), Finite(live.Coverage80), Finite(live.Coverage95),
                off?.Mae, off?.Coverage80, off?.Coverage95, verdict.Ratio, verdict.Flagged, verdict.EnoughData, verdict.Z is { } z && double.IsFinite(z) ? z : null));
        }
        return new ModelVersionMonitoringDto("forecast", version, state.State.FirstScoredAt, state.State.LastScoredAt, source,
            rule.Description, buckets.Any(b => b.Flagged), [.. buckets], drift);
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}

[GenerateSerializer]
public sealed class ModelMonitoringRegistryState
{
    [Id(0)] public Dictionary<string, HashSet<string>> Versions { get; set; } = [];
}

/// <summary>The model versions with live accuracy on record, per kind (key 0).</summary>
public sealed class ModelMonitoringRegistryGrain(
    [PersistentState("model-monitoring-registry", MonitoringStorage.Name)] IPersistentState<ModelMonitoringRegistryState> state) : Grain, IModelMonitoringRegistryGrain
{
    public async Task Register(string kind, string version)
    {
        if (!state.State.Versions.TryGetValue(kind, out var versions)) state.State.Versions[kind] = versions = new HashSet<string>(StringComparer.Ordinal);
        if (versions.Add(version)) await state.WriteStateAsync();
    }

    public Task<string[]> Versions(string kind) =>
        Task.FromResult(state.State.Versions.TryGetValue(kind, out var v) ? v.Order(StringComparer.Ordinal).ToArray() : []);
}

/// <summary>Where monitoring aggregates are stored (an Azure Table of their own; no patient data, so not sealed).</summary>
public static class MonitoringStorage
{
    public const string Name = "MonitoringStore";
    public const string Table = "NovaMindModelMonitoring";
}
