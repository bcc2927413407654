using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Domain.Insights;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Patients;

public sealed record SymptomInsightResponse(string Symptom, InsightPartStatus Status, double? LastObserved, ForecastResponse? Forecast, string? Problem);
public sealed record ForecastPartResponse(InsightPartStatus Status, string? ModelVersion, double? AgeSeconds, string? Problem, int Attempts, double ElapsedMs,
    SymptomInsightResponse[] Symptoms);
public sealed record CorrelationPartResponse(InsightPartStatus Status, string? ModelVersion, double? AgeSeconds, string? Problem, int Attempts, double ElapsedMs,
    CorrelationReportDto? Report);
public sealed record MedicationPartResponse(InsightPartStatus Status, string? ModelVersion, double? AgeSeconds, string? Problem, int Attempts, double ElapsedMs,
    string[] Candidates, RankedMedicationDto[] Ranked);
public sealed record InsightParts(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ForecastPartResponse? Forecast,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CorrelationPartResponse? Correlations,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MedicationPartResponse? Medications);
/// <summary>One integrated recommendation; <c>estimate</c> is true when it rests on a model's forecast; <c>facts</c> is what the rule matched.</summary>
public sealed record RecommendationResponse(string Rule, string Text, string Basis, bool Estimate, RecommendationSourceDto[] Sources, Dictionary<string, string> Facts);
public sealed record InsightsResponse(DateTimeOffset GeneratedAt, double ElapsedMs, InsightParts Parts, RecommendationResponse[] IntegratedRecommendations);

/// <summary>Integrated insights: forecast, lag correlations and medication ranking gathered in parallel, with partial results.</summary>
public static class InsightsEndpoints
{
    public static void MapInsightsEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/{id}/insights", Insights).RequiresPatientAccess(PatientAction.ReadClinical).RequireRateLimiting(EdgeProtection.ModelCallsPolicy)
            .WithSummary("Forecast, biometric ↔ symptom lag correlations and medication ranking in one call, gathered in parallel with per-part deadlines, " +
                         "retries and circuit breakers; every requested part has a status (ok, cached, timeout, unavailable, insufficient_data, error), " +
                         "plus integrated recommendations citing their sources (forecast_days=14, lookback_days=30, include=forecast,correlations,medications, " +
                         "symptoms=mood,phq9,gad7, candidates=…)")
            .Produces<InsightsResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> Insights(string id, [FromQuery(Name = "forecast_days")] string? forecastDays, [FromQuery(Name = "lookback_days")] string? lookbackDays,
        string? include, string? symptoms, string? candidates, IClusterClient cluster, CancellationToken ct)
    {
        var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
        var (request, error) = InsightsRequest.Parse(forecastDays, lookbackDays, include, symptoms, candidates, PgxKnowledgeBase.Default.Drugs);
        if (request is null) return BadParameter(error!.Parameter, error.Message);

        var result = await cluster.GetGrain<IPatientTwinGrain>(target).GetInsights(new InsightsQuery(request.ForecastDays, request.LookbackDays,
            [.. request.Include], [.. request.Symptoms.Select(s => s.Name)], request.Candidates is null ? null : [.. request.Candidates]));
        return result.Status switch
        {
            InsightsStatus.Ok => Results.Ok(ToResponse(result.Insights!)),
            InsightsStatus.InvalidQuery => BadParameter(result.Parameter ?? "query", result.Problem ?? "invalid query"),
            _ => PatientAccessFilter.PatientNotFound(),
        };
    }

    private static InsightsResponse ToResponse(InsightsDto d) => new(d.GeneratedAt, d.ElapsedMs,
        new InsightParts(
            d.Forecast is { } f ? new ForecastPartResponse(f.Info.Status, f.Info.ModelVersion, f.Info.AgeSeconds, f.Info.Problem, f.Info.Attempts, f.Info.ElapsedMs,
                [.. f.Symptoms.Select(s => new SymptomInsightResponse(s.Symptom, s.Status, s.LastObserved, s.Forecast is { } r ? PatientEndpoints.ToResponse(r) : null, s.Problem))]) : null,
            d.Correlations is { } c ? new CorrelationPartResponse(c.Info.Status, c.Info.ModelVersion, c.Info.AgeSeconds, c.Info.Problem, c.Info.Attempts, c.Info.ElapsedMs, c.Report) : null,
            d.Medications is { } m ? new MedicationPartResponse(m.Info.Status, m.Info.ModelVersion, m.Info.AgeSeconds, m.Info.Problem, m.Info.Attempts, m.Info.ElapsedMs, m.Candidates, m.Ranked) : null),
        [.. d.Recommendations.Select(r => new RecommendationResponse(r.Rule, r.Text, r.Basis, r.Estimate, r.Sources, r.Facts))]);

    private static IResult BadParameter(string parameter, string detail) => CorrelationEndpoints.BadParameter(parameter, detail + "; nothing was computed");
}
