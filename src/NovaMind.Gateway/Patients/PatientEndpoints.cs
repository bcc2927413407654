using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Patients;

public sealed record ObservationInput(string? Time, string? Type, double? Value);
public sealed record ObservationsRequest(List<ObservationInput?>? Observations);
public sealed record CreatedPatient(Guid Id);
public sealed record PatientList(Guid[] Patients, int Total, int Offset, int Limit);
public sealed record ObservationsAccepted(int Accepted, int TotalObservations);

public sealed record ForecastPointResponse(
    DateOnly Date,
    double Value,
    [property: JsonPropertyName("lower_80")] double Lower80,
    [property: JsonPropertyName("upper_80")] double Upper80,
    [property: JsonPropertyName("lower_95")] double Lower95,
    [property: JsonPropertyName("upper_95")] double Upper95);
public sealed record TransformerContribution(string Architecture, double[] Values, double[] Sd);
public sealed record XGBoostContribution(string Hyperparameters, double[] Values);
/// <summary>The per-patient statistical member; <c>values</c> is null where it could not be fitted (its weight is then 0).</summary>
public sealed record StatisticalContribution(string Model, double[]? Values);
/// <summary>The three members; <c>target</c> is what they forecast: the symptom, or mood when the symptom is forecast from periodic assessments.</summary>
public sealed record ContributingModels(string Target, TransformerContribution Transformer, [property: JsonPropertyName("xgboost")] XGBoostContribution XGBoost,
    StatisticalContribution Statistical);
/// <summary>PHQ-9/GAD-7 from periodic assessments: the patient's score-vs-recall-mood line and what it was read at.</summary>
public sealed record AssessmentModelResponse(string Model, double Intercept, double Slope, double ResidualSd, int AssessmentsUsed, int RecallDays,
    double[] RecallMood, double[] MoodForecast);
public sealed record EnsembleWeights(double[] Transformer, [property: JsonPropertyName("xgboost")] double[] XGBoost, double[] Statistical);
public sealed record WeightGroupResponse(int FirstHorizon, int LastHorizon, int BacktestOrigins, int BacktestPoints,
    [property: JsonPropertyName("shrinkage_toward_global")] double Shrinkage, MemberWeights PatientBestWeights, Dictionary<string, double> BacktestMae,
    [property: JsonPropertyName("cross_validated_mae_by_shrinkage")] Dictionary<string, double>? CrossValidatedMae);
public sealed record MemberWeights(double Transformer, [property: JsonPropertyName("xgboost")] double XGBoost, double Statistical);
/// <summary>How the weights and intervals were personalised from the patient's own backtest, and why.</summary>
public sealed record IntervalScales([property: JsonPropertyName("80")] double Level80, [property: JsonPropertyName("95")] double Level95);
/// <summary>The ensemble-or-member rule's choice: what was served ("ensemble" or "statistical_member") and each candidate's backtest MAE over the same points.</summary>
public sealed record ChoiceResponse(string Served, int BacktestOrigins, int BacktestPoints, double? EnsembleBacktestMae, double? StatisticalMemberBacktestMae);
public sealed record PersonalisationResponse(string Rule, int BacktestOrigins, int BacktestPoints, IntervalScales IntervalScale, IntervalScales BacktestIntervalScale,
    IntervalScales IntervalShrinkage, EnsembleWeights GlobalWeights, WeightGroupResponse[] Groups, string Reason, ChoiceResponse? Choice);
/// <summary>How far the forecast can be trusted; <c>out_of_distribution_score</c> is null for a model version without a training reference.</summary>
public sealed record ConfidenceResponse(string[] Reasons, double IntervalWidthRatio, double MemberDisagreement, double? OutOfDistributionScore,
    string? OutOfDistributionFeature, string Rule);
public sealed record ForecastResponse(string ModelVersion, DateTimeOffset GeneratedAt, string Symptom, int Horizon, ForecastPointResponse[] Predictions,
    ContributingModels ContributingModels, EnsembleWeights Weights, PersonalisationResponse Personalisation, string? ModelDevice,
    string Mode, AssessmentModelResponse? Assessments, bool LowConfidence, ConfidenceResponse? Confidence);

public static class PatientEndpoints
{
    public static RouteGroupBuilder MapPatientEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/patients").RequireAuthorization(AuthPolicies.Authenticated).AddEndpointFilter<PatientAccessFilter>().WithTags("Patients");

        api.MapPost("/", async (ClaimsPrincipal user, IClusterClient cluster) =>
        {
            var subject = PatientAccess.CallerOf(user).Subject;
            if (!AccessRules.IsValidSubject(subject))
                return Results.Problem(title: "Invalid subject", detail: "the token's sub must be 1 to 128 printable characters without spaces to join a care team", statusCode: StatusCodes.Status400BadRequest);
            var id = Guid.NewGuid();
            // The care team first: a twin without one could be reached by nobody but break-glass.
            await cluster.GetGrain<ICareTeamGrain>(id).Create(subject);
            await cluster.GetGrain<IPatientTwinGrain>(id).Register();
            return Results.Created($"/api/patients/{id}", new CreatedPatient(id));
        }).RequiresPatientAccess(PatientAction.CreatePatient)
            .WithSummary("Create a patient twin; the caller becomes its first care-team member").Produces<CreatedPatient>(StatusCodes.Status201Created);

        api.MapGet("/", async (string? offset, string? limit, ClaimsPrincipal user, IClusterClient cluster) =>
        {
            if (!TryPaging(offset, 0, int.MaxValue, out var skip) || !TryPaging(limit, 1, 200, out var take, 50))
                return Results.Problem(title: "Invalid paging", detail: "offset must be an integer ≥ 0 and limit an integer from 1 to 200", statusCode: StatusCodes.Status400BadRequest);
            var page = await cluster.GetGrain<IClinicianPatientsGrain>(PatientAccess.CallerOf(user).Subject).List(skip, take);
            return Results.Ok(new PatientList([.. page.Ids], page.Total, skip, take));
        }).RequiresPatientAccess(PatientAction.ListPatients)
            .WithSummary("The patients whose care team the caller is on (paged: offset, limit ≤ 200)").Produces<PatientList>();

        api.MapCareTeamEndpoints();

        api.MapPost("/{id}/observations", AddObservations).RequiresPatientAccess(PatientAction.AddObservations)
            .WithSummary("Add observations (all or nothing); answers after they are durably stored")
            .Accepts<ObservationsRequest>("application/json")
            .Produces<ObservationsAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        api.MapGet("/{id}", async (string id, IClusterClient cluster, CancellationToken ct) =>
        {
            var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
            var summary = await cluster.GetGrain<IPatientTwinGrain>(target).GetSummary();
            return summary is null ? PatientAccessFilter.PatientNotFound() : Results.Ok(summary);
        }).RequiresPatientAccess(PatientAction.ReadClinical).WithSummary("Summary of a patient's data").Produces<PatientSummaryDto>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{id}/forecast", Forecast).RequiresPatientAccess(PatientAction.ReadClinical).RequireRateLimiting(EdgeProtection.ModelCallsPolicy)
            .WithSummary("Forecast a symptom (mood, phq9 or gad7) for the days after its last observed day: ensemble of a Transformer and XGBoost, with 80% and 95% conformal intervals")
            .Produces<ForecastResponse>().ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPgxEndpoints();
        api.MapCorrelationEndpoints();
        api.MapInsightsEndpoints();
        api.MapHistoryEndpoints();
        return api;
    }

    private static async Task<IResult> AddObservations(string id, HttpRequest request, IClusterClient cluster, TimeProvider clock, CancellationToken ct)
    {
        var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter

        ObservationsRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<ObservationsRequest>(request.Body, GatewayJson.Options, ct);
        }
        catch (JsonException ex)
        {
            return Results.Problem(title: "Malformed JSON", detail: ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        var raw = body?.Observations?.Select(o => o is null ? null : new RawObservation(o.Time, o.Type, o.Value)).ToList();
        var validation = new ObservationBatchValidator(clock).Validate(raw);
        if (validation.BatchError is { } batchError)
        {
            var tooMany = raw is { Count: > ObservationBatchValidator.MaxBatchSize };
            return Results.Problem(title: tooMany ? "Too many observations" : "Invalid request", detail: batchError,
                statusCode: tooMany ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest);
        }
        if (!validation.IsValid)
        {
            return Results.Problem(title: "Invalid observations", statusCode: StatusCodes.Status400BadRequest,
                detail: $"{validation.Errors.Count} observation(s) are invalid; nothing was stored. First: observations[{validation.Errors[0].Index}].{validation.Errors[0].Field}: {validation.Errors[0].Message}",
                extensions: new Dictionary<string, object?>
                {
                    ["errors"] = validation.Errors.Select(e => new { pointer = $"observations[{e.Index}].{e.Field}", message = e.Message }).ToArray(),
                });
        }

        var records = validation.Accepted.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value)).ToArray();
        var result = await cluster.GetGrain<IPatientTwinGrain>(target).AddObservations(records);
        return result.Status switch
        {
            IngestStatus.Accepted => Results.Json(new ObservationsAccepted(result.Accepted, result.TotalObservations), GatewayJson.Options, statusCode: StatusCodes.Status202Accepted),
            IngestStatus.PatientNotFound => PatientAccessFilter.PatientNotFound(),
            _ => Results.Problem(title: "Invalid observations", detail: result.Error, statusCode: StatusCodes.Status400BadRequest),
        };
    }

    private static async Task<IResult> Forecast(string id, string? horizon, string? symptom, IClusterClient cluster, CancellationToken ct)
    {
        var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
        var h = 7;
        if (horizon is not null && (!int.TryParse(horizon, NumberStyles.None, CultureInfo.InvariantCulture, out h) || h < 1 || h > ForecastLimits.MaxHorizon))
            return Results.Problem(title: "Invalid horizon", detail: $"horizon must be an integer from 1 to {ForecastLimits.MaxHorizon}; got '{horizon}'", statusCode: StatusCodes.Status400BadRequest);
        symptom ??= ObservationType.Mood.Name;
        if (!ForecastHistory.Symptoms.Any(s => s.Name == symptom))
            return Results.Problem(title: "Invalid symptom", detail: ForecastHistory.UnknownSymptom(symptom), statusCode: StatusCodes.Status400BadRequest);

        var result = await cluster.GetGrain<IPatientTwinGrain>(target).GetForecast(symptom, h);
        return result.Status switch
        {
            ForecastStatus.Ok => Results.Ok(ToResponse(result)),
            ForecastStatus.PatientNotFound => PatientAccessFilter.PatientNotFound(),
            ForecastStatus.InsufficientHistory => Results.Problem(title: "Not enough history", detail: result.Problem, statusCode: StatusCodes.Status422UnprocessableEntity),
            ForecastStatus.HorizonNotServed => Results.Problem(title: "Horizon not served", detail: result.Problem, statusCode: StatusCodes.Status422UnprocessableEntity),
            _ => Results.Problem(title: "Invalid symptom", detail: result.Problem, statusCode: StatusCodes.Status400BadRequest),
        };
    }

    internal static ForecastResponse ToResponse(ForecastResult r)
    {
        var c = r.Components!;
        return new ForecastResponse(r.ModelVersion!, r.GeneratedAt, r.Symptom, r.Horizon,
            [.. r.Predictions.Select(p => new ForecastPointResponse(p.Date, p.Value, p.Lower80, p.Upper80, p.Lower95, p.Upper95))],
            new ContributingModels(c.Target, new TransformerContribution(c.TransformerArchitecture, c.Transformer, c.TransformerSd), new XGBoostContribution(c.XGBoostHyperparameters, c.XGBoost),
                new StatisticalContribution(c.StatisticalModel, c.Statistical)),
            new EnsembleWeights(c.TransformerWeights, c.XGBoostWeights, c.StatisticalWeights),
            Personalisation(c.Personalisation), r.ModelDevice,
            c.Assessment is null ? "daily" : "assessments",
            c.Assessment is { } a ? new AssessmentModelResponse(a.Model, Math.Round(a.Intercept, 3), Math.Round(a.Slope, 3), Math.Round(a.ResidualSd, 3), a.Assessments, a.RecallDays,
                a.RecallMood, a.MoodForecast) : null,
            c.Confidence?.LowConfidence ?? false,
            c.Confidence is { } k ? new ConfidenceResponse(k.Reasons, k.IntervalWidthRatio, k.MemberDisagreement, k.OutOfDistributionScore, k.OutOfDistributionFeature, k.Rule) : null);
    }

    private static PersonalisationResponse Personalisation(ForecastPersonalisationDto p) =>
        new(p.Rule, p.BacktestOrigins, p.ScoredPoints, new IntervalScales(p.IntervalScale80, p.IntervalScale95), new IntervalScales(p.BacktestIntervalScale80, p.BacktestIntervalScale95),
            new IntervalScales(p.IntervalShrinkage80, p.IntervalShrinkage95), new EnsembleWeights(p.GlobalTransformerWeights, p.GlobalXGBoostWeights, p.GlobalStatisticalWeights),
            [.. p.Groups.Select(g => new WeightGroupResponse(g.FirstHorizon, g.LastHorizon, g.Origins, g.Points, Math.Round(g.Shrinkage, 3),
                new MemberWeights(Math.Round(g.PatientWeights[0], 3), Math.Round(g.PatientWeights[1], 3), Math.Round(g.PatientWeights[2], 3)), g.BacktestMae, g.CrossValidatedMae))],
            p.Reason,
            p.Choice is { } c ? new ChoiceResponse(c.MemberAlone ? "statistical_member" : "ensemble", c.Origins, c.Points, c.EnsembleMae is { } e ? Math.Round(e, 4) : null, c.MemberMae is { } m ? Math.Round(m, 4) : null) : null);

    private static bool TryPaging(string? text, int min, int max, out int value, int fallback = 0)
    {
        value = fallback;
        if (text is null) return true;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }
}

public static class ForecastLimits
{
    public const int MaxHorizon = 28;
}
