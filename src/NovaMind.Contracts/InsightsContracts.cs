namespace NovaMind.Contracts;

/// <summary>What one insights call asks for (the gateway validates it; the twin checks it again).</summary>
/// <param name="Include">Any of forecast, correlations, medications.</param>
/// <param name="Symptoms">The symptoms to forecast: any of mood, phq9, gad7.</param>
/// <param name="Candidates">Drugs to rank; null for the defaults (current, recently tried, usual first-line).</param>
[GenerateSerializer, Immutable]
public sealed record InsightsQuery(
    [property: Id(0)] int ForecastDays,
    [property: Id(1)] int LookbackDays,
    [property: Id(2)] string[] Include,
    [property: Id(3)] string[] Symptoms,
    [property: Id(4)] string[]? Candidates);

/// <summary>How a part of the insights came out. Every requested part has one; none makes the whole call fail.</summary>
public enum InsightPartStatus
{
    /// <summary>Computed now.</summary>
    Ok,
    /// <summary>Served from the twin's cache: its inputs and model version are unchanged (age and version say which).</summary>
    Cached,
    /// <summary>The part's deadline (or the call's overall deadline) passed first.</summary>
    Timeout,
    /// <summary>The worker kind failed repeatedly on this silo and its circuit is open: not called until a probe succeeds.</summary>
    Unavailable,
    /// <summary>The patient's data is not enough for it (the problem says what is missing).</summary>
    InsufficientData,
    /// <summary>The worker failed; the problem is a safe message (no patient data).</summary>
    Error,
}

/// <param name="AgeSeconds">For cached parts: how old the cached result is.</param>
/// <param name="Attempts">Calls made to the worker (retries included; 0 when served from the cache or short-circuited).</param>
[GenerateSerializer, Immutable]
public sealed record InsightPartInfo(
    [property: Id(0)] InsightPartStatus Status,
    [property: Id(1)] string? ModelVersion,
    [property: Id(2)] double? AgeSeconds,
    [property: Id(3)] string? Problem,
    [property: Id(4)] int Attempts,
    [property: Id(5)] double ElapsedMs);

[GenerateSerializer, Immutable]
public sealed record SymptomInsightDto(
    [property: Id(0)] string Symptom,
    [property: Id(1)] InsightPartStatus Status,
    [property: Id(2)] ForecastResult? Forecast,
    [property: Id(3)] string? Problem,
    [property: Id(4)] double? LastObserved);

[GenerateSerializer, Immutable]
public sealed record ForecastInsightDto([property: Id(0)] InsightPartInfo Info, [property: Id(1)] SymptomInsightDto[] Symptoms);

[GenerateSerializer, Immutable]
public sealed record CorrelationInsightDto([property: Id(0)] InsightPartInfo Info, [property: Id(1)] CorrelationReportDto? Report);

[GenerateSerializer, Immutable]
public sealed record MedicationInsightDto(
    [property: Id(0)] InsightPartInfo Info,
    [property: Id(1)] string[] Candidates,
    [property: Id(2)] RankedMedicationDto[] Ranked);

[GenerateSerializer, Immutable]
public sealed record RecommendationSourceDto([property: Id(0)] string Part, [property: Id(1)] string Reference);

/// <param name="Basis">guideline, model_estimate or statistical_association.</param>
/// <param name="Estimate">True when the recommendation rests on a model's estimate (basis model_estimate).</param>
[GenerateSerializer, Immutable]
public sealed record IntegratedRecommendationDto(
    [property: Id(0)] string Rule,
    [property: Id(1)] string Text,
    [property: Id(2)] string Basis,
    [property: Id(3)] RecommendationSourceDto[] Sources,
    [property: Id(4)] Dictionary<string, string> Facts,
    [property: Id(5)] bool Estimate);

[GenerateSerializer, Immutable]
public sealed record InsightsDto(
    [property: Id(0)] DateTimeOffset GeneratedAt,
    [property: Id(1)] ForecastInsightDto? Forecast,
    [property: Id(2)] CorrelationInsightDto? Correlations,
    [property: Id(3)] MedicationInsightDto? Medications,
    [property: Id(4)] IntegratedRecommendationDto[] Recommendations,
    [property: Id(5)] double ElapsedMs);

public enum InsightsStatus { Ok, PatientNotFound, InvalidQuery }

[GenerateSerializer, Immutable]
public sealed record InsightsResult(
    [property: Id(0)] InsightsStatus Status,
    [property: Id(1)] InsightsDto? Insights,
    [property: Id(2)] string? Parameter = null,
    [property: Id(3)] string? Problem = null);
