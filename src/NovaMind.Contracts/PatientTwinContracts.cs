namespace NovaMind.Contracts;

/// <summary>
/// One patient's digital twin: holds the patient's observations (encrypted at rest), answers summaries and
/// forecasts, and publishes live updates. Key: the patient id.
/// </summary>
public interface IPatientTwinGrain : IGrainWithGuidKey, ISealedStateGrain
{
    /// <summary>Creates the twin; false if it already existed.</summary>
    Task<bool> Register();

    [Orleans.Concurrency.ReadOnly]
    Task<bool> IsRegistered();

    /// <summary>Stores the batch durably (all or nothing) before answering.</summary>
    Task<IngestResult> AddObservations(ObservationRecord[] observations);

    Task<PatientSummaryDto?> GetSummary();

    /// <summary>
    /// Forecasts <paramref name="symptom"/> (mood, phq9 or gad7) for the <paramref name="horizon"/> days after its
    /// last observed day. Answers from the twin's cache while no observation or medication has changed, the model
    /// version is the same and the cached forecast is younger than the cache's time to live.
    /// </summary>
    Task<ForecastResult> GetForecast(string symptom, int horizon);

    /// <summary>Replaces the stored genotype (gene → diplotype or carrier status); validated, all or nothing.</summary>
    Task<UpdateResult> SetGenotype(Dictionary<string, string> genotype);

    /// <summary>Replaces current medications and treatment history; validated, all or nothing.</summary>
    Task<UpdateResult> SetMedications(MedicationPlanDto medications);

    Task<MedicationPredictionResult> GetMedicationPrediction(string drug);

    /// <summary>Biometric ↔ symptom lag correlations over the patient's recent data.</summary>
    Task<CorrelationResult> GetCorrelations(CorrelationQuery query);

    /// <summary>Ranks candidate drugs for this patient, with the reasons.</summary>
    Task<MedicationRankingResult> RankMedications(string[] candidates);

    /// <summary>
    /// Forecast, correlations and medication ranking gathered in parallel, each under its own deadline, retries and
    /// circuit breaker, with integrated recommendations; every requested part has a status (partial results).
    /// </summary>
    Task<InsightsResult> GetInsights(InsightsQuery query);

    /// <summary>Raw readings from the history store, by type then time, one page at a time (export).</summary>
    Task<ObservationPage> ReadObservations(ObservationExportQuery query);

    /// <summary>Erases the twin: its state, every history chunk and its caches. The patient is unknown afterwards.</summary>
    Task<int> Erase();
}

/// <summary>An export page request: <see cref="Type"/> null for every type; <see cref="Cursor"/> from the previous page.</summary>
[GenerateSerializer, Immutable]
public sealed record ObservationExportQuery(
    [property: Id(0)] string? Type,
    [property: Id(1)] DateTimeOffset From,
    [property: Id(2)] DateTimeOffset To,
    [property: Id(3)] string? Cursor,
    [property: Id(4)] int Limit);

[GenerateSerializer, Immutable]
public sealed record ObservationPage(
    [property: Id(0)] bool Found,
    [property: Id(1)] ObservationRecord[] Observations,
    [property: Id(2)] string? NextCursor);

[GenerateSerializer, Immutable]
public sealed record ObservationRecord([property: Id(0)] DateTimeOffset Time, [property: Id(1)] string Type, [property: Id(2)] double Value);

public enum IngestStatus { Accepted, PatientNotFound, Invalid }

[GenerateSerializer, Immutable]
public sealed record IngestResult(
    [property: Id(0)] IngestStatus Status,
    [property: Id(1)] int Accepted,
    [property: Id(2)] int TotalObservations,
    [property: Id(3)] string? Error = null);

[GenerateSerializer, Immutable]
public sealed record ObservationTypeSummaryDto(
    [property: Id(0)] string Type,
    [property: Id(1)] int Count,
    [property: Id(2)] DateTimeOffset First,
    [property: Id(3)] DateTimeOffset Last,
    [property: Id(4)] double LatestValue,
    [property: Id(5)] double? RecentWeekMean = null,
    [property: Id(6)] double? PreviousWeekMean = null);

[GenerateSerializer, Immutable]
public sealed record PatientSummaryDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] DateTimeOffset RegisteredAt,
    [property: Id(2)] int TotalObservations,
    [property: Id(3)] DateTimeOffset? FirstObservationAt,
    [property: Id(4)] DateTimeOffset? LastObservationAt,
    [property: Id(5)] ObservationTypeSummaryDto[] Types,
    [property: Id(6)] ForecastAccuracySummaryDto[]? ForecastAccuracy = null);

public enum ForecastStatus { Ok, PatientNotFound, InsufficientHistory, UnknownSymptom, HorizonNotServed }

[GenerateSerializer, Immutable]
public sealed record ForecastPoint(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] double Value,
    [property: Id(2)] double Lower80,
    [property: Id(3)] double Upper80,
    [property: Id(4)] double Lower95,
    [property: Id(5)] double Upper95);

[GenerateSerializer, Immutable]
public sealed record ForecastResult(
    [property: Id(0)] ForecastStatus Status,
    [property: Id(1)] string Symptom,
    [property: Id(2)] int Horizon,
    [property: Id(3)] string? ModelVersion,
    [property: Id(4)] DateTimeOffset GeneratedAt,
    [property: Id(5)] ForecastPoint[] Predictions,
    [property: Id(6)] string? Problem = null,
    [property: Id(7)] ForecastComponentsDto? Components = null,
    [property: Id(8)] bool FromCache = false,
    [property: Id(9)] string? ModelDevice = null);

/// <summary>
/// What each model predicted for the same days, and the per-horizon weights the ensemble gave them (personalised from
/// the patient's own backtest; <see cref="Personalisation"/> says how).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ForecastComponentsDto(
    [property: Id(0)] double[] Transformer,
    [property: Id(1)] double[] TransformerSd,
    [property: Id(2)] string TransformerArchitecture,
    [property: Id(3)] double[] XGBoost,
    [property: Id(4)] string XGBoostHyperparameters,
    [property: Id(5)] double[] TransformerWeights,
    [property: Id(6)] double[] XGBoostWeights,
    [property: Id(7)] double[]? Statistical,
    [property: Id(8)] string StatisticalModel,
    [property: Id(9)] double[] StatisticalWeights,
    [property: Id(10)] ForecastPersonalisationDto Personalisation,
    [property: Id(11)] string Target,
    [property: Id(12)] AssessmentModelDto? Assessment = null,
    [property: Id(13)] ForecastConfidenceDto? Confidence = null)
{
    /// <summary>The same components for horizons 1..<paramref name="horizon"/> only, rounded for an answer.</summary>
    public ForecastComponentsDto Take(int horizon) => new(R(Transformer, horizon), R(TransformerSd, horizon), TransformerArchitecture,
        R(XGBoost, horizon), XGBoostHyperparameters, R(TransformerWeights, horizon), R(XGBoostWeights, horizon),
        Statistical is null ? null : R(Statistical, horizon), StatisticalModel, R(StatisticalWeights, horizon), Personalisation.Take(horizon), Target,
        Assessment is null ? null : Assessment with { RecallMood = R(Assessment.RecallMood, horizon), MoodForecast = R(Assessment.MoodForecast, horizon) },
        Confidence?.Rounded());

    internal static double[] R(double[] values, int horizon) => [.. values.Take(horizon).Select(v => Math.Round(v, 3))];
}

/// <summary>
/// How far a forecast can be trusted (issue 16): the interval width against the calibrated one, the members' disagreement,
/// the out-of-distribution score of its inputs and which input scored it (null when the model version has no training
/// reference), and the rule's verdict with its reasons.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ForecastConfidenceDto(
    [property: Id(0)] bool LowConfidence,
    [property: Id(1)] string[] Reasons,
    [property: Id(2)] double IntervalWidthRatio,
    [property: Id(3)] double MemberDisagreement,
    [property: Id(4)] double? OutOfDistributionScore,
    [property: Id(5)] string? OutOfDistributionFeature,
    [property: Id(6)] string Rule)
{
    public ForecastConfidenceDto Rounded() => this with
    {
        IntervalWidthRatio = Math.Round(IntervalWidthRatio, 3),
        MemberDisagreement = Math.Round(MemberDisagreement, 3),
        OutOfDistributionScore = OutOfDistributionScore is { } z ? Math.Round(z, 3) : null,
    };
}

/// <summary>
/// A PHQ-9/GAD-7 forecast from periodic assessments: the patient's line between assessment scores and mean mood over
/// each assessment's recall window, and per forecast day the recall-window mood (observed, then forecast) it was read at.
/// The members in <see cref="ForecastComponentsDto"/> then forecast mood (their <c>Target</c>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AssessmentModelDto(
    [property: Id(0)] string Model,
    [property: Id(1)] double Intercept,
    [property: Id(2)] double Slope,
    [property: Id(3)] double ResidualSd,
    [property: Id(4)] int Assessments,
    [property: Id(5)] int RecallDays,
    [property: Id(6)] double[] RecallMood,
    [property: Id(7)] double[] MoodForecast);

/// <summary>
/// How a patient's forecast was personalised: the global weights it started from, per horizon group the patient's best
/// backtest weights and how far they were trusted, the interval scale, and a sentence saying why.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ForecastPersonalisationDto(
    [property: Id(0)] int BacktestOrigins,
    [property: Id(1)] int ScoredPoints,
    [property: Id(2)] double IntervalScale80,
    [property: Id(3)] double IntervalScale95,
    [property: Id(4)] double BacktestIntervalScale80,
    [property: Id(5)] double BacktestIntervalScale95,
    [property: Id(6)] double[] GlobalTransformerWeights,
    [property: Id(7)] double[] GlobalXGBoostWeights,
    [property: Id(8)] double[] GlobalStatisticalWeights,
    [property: Id(9)] ForecastWeightGroupDto[] Groups,
    [property: Id(10)] string Reason)
{
    /// <summary>
    /// "shrinkage" (λ = n₀/(n₀ + origins)), "cross_validated" (λ and the interval shrinkage chosen by leaving each backtest
    /// origin out) or "ensemble_or_member" (the shrinkage-personalised ensemble or the statistical member alone, per patient).
    /// </summary>
    [Id(11)] public string Rule { get; init; } = "shrinkage";

    /// <summary>How far each level's log interval scale was shrunk toward 1 (1: the global interval).</summary>
    [Id(12)] public double IntervalShrinkage80 { get; init; } = 1;
    [Id(13)] public double IntervalShrinkage95 { get; init; } = 1;

    /// <summary>Under the "ensemble_or_member" rule: whether the statistical member alone was served, and the backtest evidence.</summary>
    [Id(14)] public ForecastChoiceDto? Choice { get; init; }

    public ForecastPersonalisationDto Take(int horizon) => this with
    {
        IntervalScale80 = Math.Round(IntervalScale80, 3),
        IntervalScale95 = Math.Round(IntervalScale95, 3),
        BacktestIntervalScale80 = Math.Round(BacktestIntervalScale80, 3),
        BacktestIntervalScale95 = Math.Round(BacktestIntervalScale95, 3),
        IntervalShrinkage80 = Math.Round(IntervalShrinkage80, 3),
        IntervalShrinkage95 = Math.Round(IntervalShrinkage95, 3),
        GlobalTransformerWeights = ForecastComponentsDto.R(GlobalTransformerWeights, horizon),
        GlobalXGBoostWeights = ForecastComponentsDto.R(GlobalXGBoostWeights, horizon),
        GlobalStatisticalWeights = ForecastComponentsDto.R(GlobalStatisticalWeights, horizon),
        Groups = [.. Groups.Where(g => g.FirstHorizon <= horizon)],
    };
}

/// <summary>
/// The ensemble-or-member choice: the statistical member alone served (<see cref="MemberAlone"/>) or the ensemble, and the
/// backtest MAE of each over the same points.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ForecastChoiceDto(
    [property: Id(0)] bool MemberAlone,
    [property: Id(1)] int Origins,
    [property: Id(2)] int Points,
    [property: Id(3)] double? EnsembleMae,
    [property: Id(4)] double? MemberMae);

/// <summary>One horizon group: the patient's best weights [Transformer, XGBoost, statistical] on its backtest, the shrinkage λ toward the global weights, and backtest MAEs.</summary>
[GenerateSerializer, Immutable]
public sealed record ForecastWeightGroupDto(
    [property: Id(0)] int FirstHorizon,
    [property: Id(1)] int LastHorizon,
    [property: Id(2)] int Origins,
    [property: Id(3)] int Points,
    [property: Id(4)] double Shrinkage,
    [property: Id(5)] double[] PatientWeights,
    [property: Id(6)] Dictionary<string, double> BacktestMae)
{
    /// <summary>Under the cross-validated rule: the held-out MAE at each candidate λ (keyed "0.75"); null otherwise.</summary>
    [Id(7)] public Dictionary<string, double>? CrossValidatedMae { get; init; }
}

/// <summary>Live update published on the twin's stream after a change is durably stored.</summary>
[GenerateSerializer, Immutable]
public sealed record TwinUpdate(
    [property: Id(0)] Guid PatientId,
    [property: Id(1)] string Kind,
    [property: Id(2)] int Accepted,
    [property: Id(3)] int TotalObservations,
    [property: Id(4)] DateTimeOffset? LastObservationAt,
    [property: Id(5)] DateTimeOffset At);

public static class TwinStreams
{
    public const string ProviderName = "TwinUpdates";
    public const string Namespace = "twin-updates";
    public const string PubSubStore = "PubSubStore";

    /// <summary>Azure queues behind the stream provider; silo and clients must agree on them.</summary>
    public static readonly string[] AzureQueueNames = [.. Enumerable.Range(0, 4).Select(i => $"novamind-twin-updates-{i}")];
}

/// <summary>Where an export page ended: "&lt;type&gt;@&lt;unix milliseconds&gt;" of the last reading returned; the next page starts after it.</summary>
public static class ExportCursor
{
    public static string Format(ObservationRecord last) => $"{last.Type}@{last.Time.ToUnixTimeMilliseconds()}";

    public static (int TypeCode, long UnixMilliseconds) Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return (-1, long.MinValue);
        var at = cursor.IndexOf('@');
        return at > 0 && NovaMind.Domain.Observations.ObservationType.TryParse(cursor[..at], out var type) && long.TryParse(cursor[(at + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? (type.Code, ms)
            : throw new ArgumentException("cursor is not one this API returned");
    }

    public static bool IsValid(string? cursor)
    {
        try { Parse(cursor); return true; }
        catch (ArgumentException) { return false; }
    }
}

/// <summary>
/// A twin refused a write because a storage write of its own failed a moment ago: it reloads from storage (repairing from
/// its history chunks) before it takes more. Transient: the gateway answers 503 with Retry-After.
/// </summary>
[GenerateSerializer]
public sealed class TwinReloadingException(string message) : Exception(message);
