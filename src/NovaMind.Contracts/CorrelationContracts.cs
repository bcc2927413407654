namespace NovaMind.Contracts;

/// <summary>A twin's observations in compact columns (epoch ms, type code, value), for stateless workers.</summary>
[GenerateSerializer, Immutable]
public sealed record ObservationColumns([property: Id(0)] long[] UnixMilliseconds, [property: Id(1)] byte[] TypeCodes, [property: Id(2)] double[] Values);

[GenerateSerializer, Immutable]
public sealed record CorrelationQuery(
    [property: Id(0)] int LookbackDays,
    [property: Id(1)] int MaxLag,
    [property: Id(2)] string Method,
    [property: Id(3)] double MinAbs,
    [property: Id(4)] double MaxQ);

[GenerateSerializer, Immutable]
public sealed record LagCorrelationDto(
    [property: Id(0)] string BiometricType,
    [property: Id(1)] string SymptomType,
    [property: Id(2)] int LagDays,
    [property: Id(3)] string Method,
    [property: Id(4)] double Coefficient,
    [property: Id(5)] double PValue,
    [property: Id(6)] double QValue,
    [property: Id(7)] double CiLow,
    [property: Id(8)] double CiHigh,
    [property: Id(9)] int N,
    [property: Id(10)] double Confidence,
    [property: Id(11)] string PMethod);

[GenerateSerializer, Immutable]
public sealed record ExcludedPairDto([property: Id(0)] string BiometricType, [property: Id(1)] string SymptomType, [property: Id(2)] int LagDays, [property: Id(3)] string Reason);

/// <summary>
/// Where the BiLSTM-attention model put its attention when predicting the next day of a symptom. It describes the
/// model, not what drives the symptom (its model card shows the attention misses the planted lag).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TemporalPatternDto(
    [property: Id(0)] string Symptom,
    [property: Id(1)] DateOnly WindowEnd,
    [property: Id(2)] double PredictedNextDay,
    [property: Id(3)] double[] TemporalImportance,
    [property: Id(4)] Dictionary<string, double> ModalityImportance,
    [property: Id(5)] string Interpretation = TemporalPatternDto.AttentionOnly)
{
    public const string AttentionOnly =
        "Attention weights of the BiLSTM-attention model while it predicted the next day: where the model looked, not what drives the symptom. " +
        "Its model card shows the attention does not point at the planted lag; use the lag correlations (with their q-values) to name lagged effects.";
}

[GenerateSerializer, Immutable]
public sealed record CorrelationReportDto(
    [property: Id(0)] DateTimeOffset GeneratedAt,
    [property: Id(1)] int LookbackDays,
    [property: Id(2)] int MaxLag,
    [property: Id(3)] LagCorrelationDto[] Correlations,
    [property: Id(4)] ExcludedPairDto[] Excluded,
    [property: Id(5)] TemporalPatternDto[] TemporalPatterns,
    [property: Id(6)] string? ModelVersion,
    [property: Id(7)] int TestCount,
    [property: Id(8)] string? ModelDevice = null);

public enum CorrelationStatus { Ok, PatientNotFound, InvalidQuery }

[GenerateSerializer, Immutable]
public sealed record CorrelationResult(
    [property: Id(0)] CorrelationStatus Status,
    [property: Id(1)] CorrelationReportDto? Report,
    [property: Id(2)] string? Parameter,
    [property: Id(3)] string? Problem);

/// <summary>Stateless: lag correlations (domain statistics) and the attention model's temporal patterns.</summary>
public interface ICorrelationWorkerGrain : IGrainWithIntegerKey
{
    Task<CorrelationResult> Analyze(ObservationColumns observations, CorrelationQuery query, WorkPriority priority);
}
