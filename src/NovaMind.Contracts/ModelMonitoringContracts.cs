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
    [property: Id(7)] BucketAccuracyDto[] Buckets);

/// <summary>GET /api/admin/models: the versions served now, and every version with live accuracy on record.</summary>
public sealed record ModelMonitoringReportDto(Dictionary<string, string> Served, ModelVersionMonitoringDto[] Forecast);

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
