using System.Globalization;
using Microsoft.Extensions.Logging;
using NovaMind.Contracts;
using NovaMind.Domain.Insights;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Grains.Insights;

namespace NovaMind.Grains.Twins;

/// <summary>
/// Integrated insights: the twin fans out to the forecast, correlation and pharmacogenomics workers in parallel, each
/// part under its own deadline, retries and the silo's circuit breaker for that worker kind (<see cref="WorkerResilience"/>),
/// and answers every requested part with a status — partial results, never all or nothing. Parts are cached by the
/// versions of the inputs they read: new observations invalidate forecasts and correlations, a medication change
/// forecasts (treatment starts are features) and the ranking, a genotype change only the ranking.
/// </summary>
public sealed partial class PatientTwinGrain
{
    /// <summary>Input versions: each counts the changes of what some parts read.</summary>
    private long _observationsVersion, _medicationsVersion, _genotypeVersion;

    private sealed record CachedPart<T>(string Key, T Value, DateTimeOffset At);

    private CachedPart<CorrelationReportDto>? _correlationPart;
    private CachedPart<MedicationRankingResult>? _medicationPart;

    private void ObservationsChanged() { _observationsVersion++; _correlationPart = null; }

    private void MedicationsChanged() { _medicationsVersion++; _medicationPart = null; }

    private void GenotypeChanged() { _genotypeVersion++; _medicationPart = null; }

    public async Task<InsightsResult> GetInsights(InsightsQuery query)
    {
        if (!twin.State.Registered) return new(InsightsStatus.PatientNotFound, null, null, "patient not found");
        var (request, error) = InsightsRequest.Parse(query.ForecastDays.ToString(CultureInfo.InvariantCulture), query.LookbackDays.ToString(CultureInfo.InvariantCulture),
            string.Join(',', query.Include), string.Join(',', query.Symptoms), query.Candidates is null ? null : string.Join(',', query.Candidates), PgxKnowledgeBase.Default.Drugs);
        if (request is null) return new(InsightsStatus.InvalidQuery, null, error!.Parameter, error.Message);

        var started = clock.GetTimestamp();
        using var overall = new CancellationTokenSource(resilience.Options.OverallDeadline, clock);
        var forecast = request.Includes(InsightsRequest.Forecast) ? ForecastPartAsync(request, overall.Token) : Task.FromResult<ForecastInsightDto?>(null);
        var correlations = request.Includes(InsightsRequest.Correlations) ? CorrelationPartAsync(request, overall.Token) : Task.FromResult<CorrelationInsightDto?>(null);
        var medications = request.Includes(InsightsRequest.Medications) ? MedicationPartAsync(request, overall.Token) : Task.FromResult<MedicationInsightDto?>(null);
        await Task.WhenAll(forecast, correlations, medications);

        var recommendations = IntegratedRecommendations.Derive(Outlooks(forecast.Result), Findings(correlations.Result), Findings(medications.Result));
        LogInsights(Pseudonym, Status(forecast.Result?.Info), Status(correlations.Result?.Info), Status(medications.Result?.Info), recommendations.Count);
        return new(InsightsStatus.Ok, new InsightsDto(clock.GetUtcNow(), forecast.Result, correlations.Result, medications.Result,
            [.. recommendations.Select(r => new IntegratedRecommendationDto(r.Rule, r.Text, Basis(r.Basis), [.. r.Sources.Select(s => new RecommendationSourceDto(s.Part, s.Reference))],
                r.Facts.ToDictionary(StringComparer.Ordinal), r.Basis == RecommendationBasis.ModelEstimate))],
            Math.Round(clock.GetElapsedTime(started).TotalMilliseconds, 1)));
    }

    private async Task<ForecastInsightDto?> ForecastPartAsync(InsightsRequest request, CancellationToken overall)
    {
        var outcome = await resilience.Run(InsightPart.Forecast,
            ct => Task.WhenAll(request.Symptoms.Select(s => GetForecast(s.Name, request.ForecastDays))).WaitAsync(ct), overall);
        if (outcome.Value is not { } results)
            return new(Info(outcome, null, null), [.. request.Symptoms.Select(s => new SymptomInsightDto(s.Name, outcome.Status, null, outcome.Problem, null))]);

        var now = clock.GetUtcNow();
        var symptoms = results.Select(r => r.Status switch
        {
            ForecastStatus.Ok => new SymptomInsightDto(r.Symptom, r.FromCache ? InsightPartStatus.Cached : InsightPartStatus.Ok, r, null, LastDailyValue(r.Symptom)),
            ForecastStatus.InsufficientHistory => new SymptomInsightDto(r.Symptom, InsightPartStatus.InsufficientData, null, r.Problem, LastDailyValue(r.Symptom)),
            _ => new SymptomInsightDto(r.Symptom, InsightPartStatus.Error, null, r.Problem, null),
        }).ToArray();
        var served = results.Where(r => r.Status == ForecastStatus.Ok).ToList();
        var status = served.Count == 0
            ? symptoms.All(s => s.Status == InsightPartStatus.InsufficientData) ? InsightPartStatus.InsufficientData : InsightPartStatus.Error
            : served.All(r => r.FromCache) ? InsightPartStatus.Cached : InsightPartStatus.Ok;
        var problem = status is InsightPartStatus.InsufficientData or InsightPartStatus.Error ? string.Join("; ", symptoms.Select(s => $"{s.Symptom}: {s.Problem}")) : null;
        double? age = status == InsightPartStatus.Cached ? served.Max(r => (now - r.GeneratedAt).TotalSeconds) : null;
        return new(new InsightPartInfo(status, served.FirstOrDefault()?.ModelVersion, Round(age), problem, outcome.Attempts, Ms(outcome.Elapsed)), symptoms);
    }

    private async Task<CorrelationInsightDto?> CorrelationPartAsync(InsightsRequest request, CancellationToken overall)
    {
        // Every pair and lag (max_q 1): the workspace's heatmap shows them all; the recommendation rule picks q < 0.05.
        var query = new CorrelationQuery(request.LookbackDays, Domain.Correlation.LagCorrelationRequest.DefaultMaxLag, "spearman", 0, 1);
        string Key() => $"{_observationsVersion}/{query.LookbackDays}/{query.MaxLag}/{query.Method}";
        var key = Key();
        var now = clock.GetUtcNow();
        if (_correlationPart is { } hit && hit.Key == key && now - hit.At < resilience.Options.PartCacheTimeToLive)
            return new(new InsightPartInfo(InsightPartStatus.Cached, hit.Value.ModelVersion, Round((now - hit.At).TotalSeconds), null, 0, 0), hit.Value);

        var columns = Columns();
        var outcome = await resilience.Run(InsightPart.Correlations,
            ct => GrainFactory.GetGrain<ICorrelationWorkerGrain>(0).Analyze(columns, query, WorkPriority.Clinician).WaitAsync(ct), overall);
        if (outcome.Value is not { } result) return new(Info(outcome, null, null), null);
        if (result.Status != CorrelationStatus.Ok || result.Report is not { } report)
            return new(Info(outcome with { Status = InsightPartStatus.Error }, null, result.Problem ?? "the correlation analysis refused the query"), null);
        if (report.TestCount == 0)
            return new(Info(outcome with { Status = InsightPartStatus.InsufficientData }, report.ModelVersion,
                $"no biometric–symptom pair has enough overlapping days in the last {request.LookbackDays} days" +
                (report.Excluded.Length > 0 ? $" (e.g. {report.Excluded[0].BiometricType} → {report.Excluded[0].SymptomType}: {report.Excluded[0].Reason})" : "")), report);
        if (Key() == key) _correlationPart = new(key, report, now); // not if the observations changed while it ran
        return new(Info(outcome, report.ModelVersion, null), report);
    }

    private async Task<MedicationInsightDto?> MedicationPartAsync(InsightsRequest request, CancellationToken overall)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var candidates = request.Candidates ?? DefaultMedicationCandidates.For(twin.State.Medications.ToDomain(), today);
        string[] names = [.. candidates.Select(DrugCatalogue.Normalize).Distinct()];
        if (twin.State.Genotype is null)
            return new(new InsightPartInfo(InsightPartStatus.InsufficientData, null, null,
                "no genotype on record: guideline categories need the patient's genotype (PUT /api/patients/{id}/genotype)", 0, 0), names, []);

        string Key() => $"{_genotypeVersion}/{_medicationsVersion}/{string.Join(',', names)}";
        var key = Key();
        var now = clock.GetUtcNow();
        if (_medicationPart is { } hit && hit.Key == key && now - hit.At < resilience.Options.PartCacheTimeToLive)
            return new(new InsightPartInfo(InsightPartStatus.Cached, ModelVersion(hit.Value), Round((now - hit.At).TotalSeconds), null, 0, 0), names, hit.Value.Ranked);

        var outcome = await resilience.Run(InsightPart.Medications, ct => RankMedications(names).WaitAsync(ct), overall);
        if (outcome.Value is not { } result) return new(Info(outcome, null, null), names, []);
        if (result.Status != PgxStatus.Ok)
            return new(Info(outcome with { Status = InsightPartStatus.Error }, null, $"the ranking refused the candidates ({string.Join(", ", result.UnknownDrugs)})"), names, []);
        if (Key() == key) _medicationPart = new(key, result, now); // not if the genotype or medications changed while it ran
        return new(Info(outcome, ModelVersion(result), null), names, result.Ranked);
    }

    private static string? ModelVersion(MedicationRankingResult r) => r.Ranked.Select(x => x.Prediction.ModelVersion).FirstOrDefault(v => v is not null);

    private static InsightPartInfo Info<T>(PartOutcome<T> o, string? modelVersion, string? problem) =>
        new(o.Status, modelVersion, null, problem ?? o.Problem, o.Attempts, Ms(o.Elapsed));

    /// <summary>The symptom's last daily mean: what a forecast starts from and a threshold rule compares with.</summary>
    private double? LastDailyValue(string symptom) =>
        ObservationType.TryParse(symptom, out var type) && HistoryOf(type).Days is { Count: > 0 } days
            ? Math.Round(days.MaxBy(d => d.LastUnixMilliseconds)!.Mean, 3)
            : null;

    private static List<SymptomOutlook>? Outlooks(ForecastInsightDto? part) => part?.Symptoms
        .Where(s => s.Forecast is not null && ObservationType.TryParse(s.Symptom, out _))
        .Select(s =>
        {
            ObservationType.TryParse(s.Symptom, out var type);
            return new SymptomOutlook(type!, s.LastObserved, [.. s.Forecast!.Predictions.Select(p => new OutlookPoint(p.Date, p.Value, p.Lower80, p.Upper80))], s.Forecast.ModelVersion ?? "unknown");
        }).ToList();

    private static List<LagFinding>? Findings(CorrelationInsightDto? part) => part?.Report?.Correlations
        .Where(c => ObservationType.TryParse(c.BiometricType, out _) && ObservationType.TryParse(c.SymptomType, out _))
        .Select(c =>
        {
            ObservationType.TryParse(c.BiometricType, out var biometric);
            ObservationType.TryParse(c.SymptomType, out var symptom);
            return new LagFinding(biometric!, symptom!, c.LagDays, c.Method, c.Coefficient, c.QValue);
        }).ToList();

    private List<MedicationFinding>? Findings(MedicationInsightDto? part)
    {
        if (part is null || part.Ranked.Length == 0) return null;
        var current = twin.State.Medications.Current.Select(c => c.Drug).ToHashSet(StringComparer.Ordinal);
        return [.. part.Ranked.Where(r => GuidelineCategories.TryParse(r.GuidelineCategory, out _)).Select(r =>
        {
            GuidelineCategories.TryParse(r.GuidelineCategory, out var category);
            var rec = r.Prediction.Recommendation;
            return new MedicationFinding(r.Medication, category, current.Contains(r.Medication),
                r.Prediction.GeneticFactors.Where(f => f.Phenotype is not null).ToDictionary(f => f.Gene, f => f.Phenotype!, StringComparer.Ordinal),
                $"{rec.Guideline} ({rec.GuidelineVersion})");
        })];
    }

    private static string Basis(RecommendationBasis basis) => basis switch
    {
        RecommendationBasis.Guideline => "guideline",
        RecommendationBasis.ModelEstimate => "model_estimate",
        _ => "statistical_association",
    };

    private static string Status(InsightPartInfo? info) => info?.Status.ToString() ?? "not requested";

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 1);

    private static double? Round(double? seconds) => seconds is { } s ? Math.Round(s, 1) : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} insights: forecast {Forecast}, correlations {Correlations}, medications {Medications}; {Recommendations} recommendations")]
    private partial void LogInsights(string patient, string forecast, string correlations, string medications, int recommendations);
}
