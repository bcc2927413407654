using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using NovaMind.Contracts;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Patients;

public sealed record ObservationInput(string? Time, string? Type, double? Value);
public sealed record ObservationsRequest(List<ObservationInput?>? Observations);
public sealed record CreatedPatient(Guid Id);
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
public sealed record ContributingModels(TransformerContribution Transformer, [property: JsonPropertyName("xgboost")] XGBoostContribution XGBoost);
public sealed record EnsembleWeights(double[] Transformer, [property: JsonPropertyName("xgboost")] double[] XGBoost);
public sealed record ForecastResponse(string ModelVersion, DateTimeOffset GeneratedAt, string Symptom, int Horizon, ForecastPointResponse[] Predictions,
    ContributingModels ContributingModels, EnsembleWeights Weights, string? ModelDevice);

public static class PatientEndpoints
{
    public static RouteGroupBuilder MapPatientEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/patients").RequireAuthorization(AuthPolicies.Clinician).WithTags("Patients");

        api.MapPost("/", async (IClusterClient cluster) =>
        {
            var id = Guid.NewGuid();
            await cluster.GetGrain<IPatientTwinGrain>(id).Register();
            return Results.Created($"/api/patients/{id}", new CreatedPatient(id));
        }).WithSummary("Create a patient twin").Produces<CreatedPatient>(StatusCodes.Status201Created);

        api.MapPost("/{id}/observations", AddObservations)
            .WithSummary("Add observations (all or nothing); answers after they are durably stored")
            .Accepts<ObservationsRequest>("application/json")
            .Produces<ObservationsAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        api.MapGet("/{id}", async (string id, ClaimsPrincipal user, IPatientAccessPolicy access, IClusterClient cluster, CancellationToken ct) =>
        {
            var target = await Authorize(id, user, access, ct);
            if (target.Problem is not null) return target.Problem;
            var summary = await cluster.GetGrain<IPatientTwinGrain>(target.Id).GetSummary();
            return summary is null ? PatientNotFound() : Results.Ok(summary);
        }).WithSummary("Summary of a patient's data").Produces<PatientSummaryDto>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{id}/forecast", Forecast)
            .WithSummary("Forecast a symptom (mood, phq9 or gad7) for the days after its last observed day: ensemble of a Transformer and XGBoost, with 80% and 95% conformal intervals")
            .Produces<ForecastResponse>().ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPgxEndpoints();
        api.MapCorrelationEndpoints();
        return api;
    }

    private static async Task<IResult> AddObservations(string id, HttpRequest request, ClaimsPrincipal user, IPatientAccessPolicy access,
        IClusterClient cluster, TimeProvider clock, CancellationToken ct)
    {
        var target = await Authorize(id, user, access, ct);
        if (target.Problem is not null) return target.Problem;

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
        var result = await cluster.GetGrain<IPatientTwinGrain>(target.Id).AddObservations(records);
        return result.Status switch
        {
            IngestStatus.Accepted => Results.Json(new ObservationsAccepted(result.Accepted, result.TotalObservations), GatewayJson.Options, statusCode: StatusCodes.Status202Accepted),
            IngestStatus.PatientNotFound => PatientNotFound(),
            _ => Results.Problem(title: "Invalid observations", detail: result.Error, statusCode: StatusCodes.Status400BadRequest),
        };
    }

    private static async Task<IResult> Forecast(string id, string? horizon, string? symptom, ClaimsPrincipal user, IPatientAccessPolicy access, IClusterClient cluster, CancellationToken ct)
    {
        var target = await Authorize(id, user, access, ct);
        if (target.Problem is not null) return target.Problem;
        var h = 7;
        if (horizon is not null && (!int.TryParse(horizon, NumberStyles.None, CultureInfo.InvariantCulture, out h) || h < 1 || h > ForecastLimits.MaxHorizon))
            return Results.Problem(title: "Invalid horizon", detail: $"horizon must be an integer from 1 to {ForecastLimits.MaxHorizon}; got '{horizon}'", statusCode: StatusCodes.Status400BadRequest);
        symptom ??= ObservationType.Mood.Name;
        if (!ForecastHistory.Symptoms.Any(s => s.Name == symptom))
            return Results.Problem(title: "Invalid symptom", detail: ForecastHistory.UnknownSymptom(symptom), statusCode: StatusCodes.Status400BadRequest);

        var result = await cluster.GetGrain<IPatientTwinGrain>(target.Id).GetForecast(symptom, h);
        return result.Status switch
        {
            ForecastStatus.Ok => Results.Ok(ToResponse(result)),
            ForecastStatus.PatientNotFound => PatientNotFound(),
            ForecastStatus.InsufficientHistory => Results.Problem(title: "Not enough history", detail: result.Problem, statusCode: StatusCodes.Status422UnprocessableEntity),
            ForecastStatus.HorizonNotServed => Results.Problem(title: "Horizon not served", detail: result.Problem, statusCode: StatusCodes.Status422UnprocessableEntity),
            _ => Results.Problem(title: "Invalid symptom", detail: result.Problem, statusCode: StatusCodes.Status400BadRequest),
        };
    }

    private static ForecastResponse ToResponse(ForecastResult r)
    {
        var c = r.Components!;
        return new ForecastResponse(r.ModelVersion!, r.GeneratedAt, r.Symptom, r.Horizon,
            [.. r.Predictions.Select(p => new ForecastPointResponse(p.Date, p.Value, p.Lower80, p.Upper80, p.Lower95, p.Upper95))],
            new ContributingModels(new TransformerContribution(c.TransformerArchitecture, c.Transformer, c.TransformerSd), new XGBoostContribution(c.XGBoostHyperparameters, c.XGBoost)),
            new EnsembleWeights(c.TransformerWeights, [.. c.TransformerWeights.Select(w => Math.Round(1 - w, 3))]), r.ModelDevice);
    }

    private static string Truncate(string value) => value.Length > 40 ? value[..40] : value;

    internal sealed record PatientTarget(Guid Id, IResult? Problem);

    /// <summary>Parses the id and applies the access policy; a patient the caller may not see is "not found".</summary>
    internal static async Task<PatientTarget> Authorize(string id, ClaimsPrincipal user, IPatientAccessPolicy access, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var patientId))
            return new PatientTarget(Guid.Empty, Results.Problem(title: "Invalid patient id", detail: $"patient id '{Truncate(id)}' is not a GUID", statusCode: StatusCodes.Status400BadRequest));
        return await access.CanAccessAsync(user, patientId, ct) ? new PatientTarget(patientId, null) : new PatientTarget(patientId, PatientNotFound());
    }

    internal static IResult PatientNotFound() =>
        Results.Problem(title: "Patient not found", detail: "no patient with this id is visible to you", statusCode: StatusCodes.Status404NotFound);
}

public static class ForecastLimits
{
    public const int MaxHorizon = 28;
}
