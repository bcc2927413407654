namespace NovaMind.Contracts;

/// <summary>Accuracy of scored forecast points for one symptom and horizon bucket (sums, so deltas from silos merge exactly).</summary>
[GenerateSerializer, Immutable]
public sealed record AccuracyDeltaDto(
    [property: Id(0)] string Symptom,
    [property: Id(1)] string Bucket,
    [property: Id(2)] long Count,
    [property: Id(3)] double SumAbsoluteError,
    [property: Id(4)] double SumSquaredAbsoluteError,
    [property: Id(5)] long Hits80,
    [property: Id(6)] long Hits95);

/// <summary>Live against offline for one symptom and horizon bucket of a model version.</summary>
[GenerateSerializer, Immutable]
public sealed record BucketAccuracyDto(
    [property: Id(0)] string Symptom,
    [property: Id(1)] string Horizons,
    [property: Id(2)] long ScoredPoints,
    [property: Id(3)] double? LiveMae,
    [property: Id(4)] double? LiveCoverage80,
    [property: Id(5)] double? LiveCoverage95,
    [property: Id(6)] double? OfflineMae,
    [property: Id(7)] double? OfflineCoverage80,
    [property: Id(8)] double? OfflineCoverage95,
    [property: Id(9)] double? LiveToOfflineMae,
    [property: Id(10)] bool Flagged,
    [property: Id(11)] bool EnoughData,
    [property: Id(12)] double? Z);

/// <summary>One served model version as operators see it: no patient data, only aggregates.</summary>
[GenerateSerializer, Immutable]
public sealed record ModelVersionMonitoringDto(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Version,
    [property: Id(2)] DateTimeOffset? FirstScoredAt,
    [property: Id(3)] DateTimeOffset? LastScoredAt,
    [property: Id(4)] string OfflineSource,
    [property: Id(5)] string Rule,
    [property: Id(6)] bool Flagged,
    [property: Id(7)] BucketAccuracyDto[] Buckets,
    [property: Id(8)] ForecastDriftSnapshotDto? Drift = null);

/// <summary>One silo's sliding window of a monitored input or prediction, as counts per reference bin (kind: input | prediction).</summary>
[GenerateSerializer, Immutable]
public sealed record DriftCountsDto(
    [property: Id(0)] string Symptom,
    [property: Id(1)] string Feature,
    [property: Id(2)] string Kind,
    [property: Id(3)] long[] Counts);

/// <summary>One monitored input or prediction of a model version, its windows merged over the reporting silos.</summary>
[GenerateSerializer, Immutable]
public sealed record FeatureDriftDto(
    [property: Id(0)] string Symptom,
    [property: Id(1)] string Feature,
    [property: Id(2)] string Kind,
    [property: Id(3)] long WindowValues,
    [property: Id(4)] double? Psi,
    [property: Id(5)] double? ChiSquarePValue,
    [property: Id(6)] bool Drifted);

/// <summary>Input and prediction drift of a model version against its training references; <see cref="Reference"/> says where they come from.</summary>
[GenerateSerializer, Immutable]
public sealed record ForecastDriftSnapshotDto(
    [property: Id(0)] string Rule,
    [property: Id(1)] string Reference,
    [property: Id(2)] int Silos,
    [property: Id(3)] bool Drifted,
    [property: Id(4)] FeatureDriftDto[] Features);

/// <summary>Drift of one forecast model version (key: the version): the latest window counts of each silo serving it.</summary>
public interface IForecastDriftGrain : IGrainWithStringKey
{
    Task Report(string silo, DriftCountsDto[] counts, DateTimeOffset at);

    Task<ForecastDriftSnapshotDto> Snapshot();
}

/// <summary>Scored treatment-response estimates for one drug (sums, so deltas from silos merge exactly).</summary>
[GenerateSerializer, Immutable]
public sealed record PgxAccuracyDeltaDto(
    [property: Id(0)] string Drug,
    [property: Id(1)] long Count,
    [property: Id(2)] double SumBrier,
    [property: Id(3)] double SumSquaredBrier,
    [property: Id(4)] double SumProbability,
    [property: Id(5)] long Responses);

/// <summary>Live Brier score of one drug's (or, with drug "all", every drug's) response estimates next to the offline one.</summary>
[GenerateSerializer, Immutable]
public sealed record PgxBrierDto(
    [property: Id(0)] string Drug,
    [property: Id(1)] long ScoredEstimates,
    [property: Id(2)] double? LiveBrier,
    [property: Id(3)] double? MeanPredicted,
    [property: Id(4)] double? ObservedResponseRate,
    [property: Id(5)] double? OfflineBrier,
    [property: Id(6)] double? OfflineBaseRateBrier,
    [property: Id(7)] double? LiveToOfflineBrier,
    [property: Id(8)] bool Flagged,
    [property: Id(9)] bool EnoughData);

/// <summary>One PGx treatment-response model version: live Brier scores from later treatment outcomes, against its offline report.</summary>
[GenerateSerializer, Immutable]
public sealed record PgxVersionMonitoringDto(
    [property: Id(0)] string Version,
    [property: Id(1)] DateTimeOffset? FirstScoredAt,
    [property: Id(2)] DateTimeOffset? LastScoredAt,
    [property: Id(3)] string OfflineSource,
    [property: Id(4)] string Rule,
    [property: Id(5)] bool Flagged,
    [property: Id(6)] PgxBrierDto[] Drugs);

/// <summary>Live Brier scores of one PGx model version (key: the version), merged from every silo's scored estimates.</summary>
public interface IPgxAccuracyGrain : IGrainWithStringKey
{
    Task Add(PgxAccuracyDeltaDto[] deltas, DateTimeOffset scoredAt);

    Task<PgxVersionMonitoringDto> Snapshot();
}

/// <summary>GET /api/admin/models: the versions served now, and every version with live accuracy on record.</summary>
public sealed record ModelMonitoringReportDto(Dictionary<string, string> Served, ModelVersionMonitoringDto[] Forecast, PgxVersionMonitoringDto[] Pgx);

/// <summary>A patient's own recent forecast accuracy for one symptom (the last 28 days of scored points).</summary>
[GenerateSerializer, Immutable]
public sealed record ForecastAccuracySummaryDto(
    [property: Id(0)] string Symptom,
    [property: Id(1)] long ScoredPoints,
    [property: Id(2)] double? Mae,
    [property: Id(3)] double? Coverage80,
    [property: Id(4)] double? Coverage95,
    [property: Id(5)] int PendingForecasts);

/// <summary>Live accuracy of one forecast model version, merged from every silo's scored points.</summary>
public interface IForecastAccuracyGrain : IGrainWithStringKey
{
    Task Add(AccuracyDeltaDto[] deltas, DateTimeOffset scoredAt);

    Task<ModelVersionMonitoringDto> Snapshot();
}

/// <summary>Which forecast model versions have live accuracy on record (key 0).</summary>
public interface IModelMonitoringRegistryGrain : IGrainWithIntegerKey
{
    Task Register(string kind, string version);

    Task<string[]> Versions(string kind);
}
