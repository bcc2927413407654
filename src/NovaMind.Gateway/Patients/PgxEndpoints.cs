using System.Security.Claims;
using System.Text.Json;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Patients;

public sealed record MedicationInput(string? Drug, double? DoseMg, string? Start, string? End, string? Response, List<string?>? SideEffects);
public sealed record MedicationsRequest(List<MedicationInput?>? Current, List<MedicationInput?>? History);
public sealed record GenotypeResponse(Dictionary<string, string> Genotype, Dictionary<string, string> MetabolizerStatus, string KnowledgeBaseVersion);

/// <summary>Genotype, medications, and pharmacogenomic predictions and rankings.</summary>
public static class PgxEndpoints
{
    public static void MapPgxEndpoints(this RouteGroupBuilder api)
    {
        api.MapPut("/{id}/genotype", PutGenotype).RequiresPatientAccess(PatientAction.WriteClinical)
            .WithSummary("Replace the patient's genotype (gene → diplotype, or positive/negative for HLA alleles); all or nothing")
            .Accepts<Dictionary<string, string>>("application/json").Produces<GenotypeResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/{id}/medications", PutMedications).RequiresPatientAccess(PatientAction.WriteClinical)
            .WithSummary("Replace current medications and treatment history; all or nothing")
            .Accepts<MedicationsRequest>("application/json").Produces<MedicationPlanDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/medications/recommendations", Rank).RequiresPatientAccess(PatientAction.ReadClinical).RequireRateLimiting(EdgeProtection.ModelCallsPolicy)
            .WithSummary("Rank candidate drugs (?candidates=sertraline,escitalopram) by guideline and model estimates, with reasons")
            .Produces<MedicationRankingResult>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/medications/{drug}/prediction", Predict).RequiresPatientAccess(PatientAction.ReadClinical).RequireRateLimiting(EdgeProtection.ModelCallsPolicy)
            .WithSummary("CPIC recommendation (cited) and model estimates of efficacy and side effects for one drug")
            .Produces<MedicationPredictionDto>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> PutGenotype(string id, HttpRequest request, IClusterClient cluster, CancellationToken ct)
    {
        var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
        Dictionary<string, string>? body;
        try { body = await JsonSerializer.DeserializeAsync<Dictionary<string, string>>(request.Body, GatewayJson.Options, ct); }
        catch (JsonException ex) { return Results.Problem(title: "Malformed JSON", detail: ex.Message, statusCode: StatusCodes.Status400BadRequest); }
        if (body is null || body.Count == 0)
            return Results.Problem(title: "Invalid genotype", detail: "the genotype must be a non-empty object of gene → diplotype", statusCode: StatusCodes.Status400BadRequest);
        var parsed = Genotype.Parse(body);
        if (!parsed.IsValid)
            return Results.Problem(title: "Invalid genotype", statusCode: StatusCodes.Status400BadRequest,
                detail: $"nothing was stored. {parsed.Errors[0].Gene} '{parsed.Errors[0].Value}': {parsed.Errors[0].Message}",
                extensions: new Dictionary<string, object?> { ["errors"] = parsed.Errors.Select(e => new { gene = e.Gene, value = e.Value, message = e.Message }).ToArray() });

        var result = await cluster.GetGrain<IPatientTwinGrain>(target).SetGenotype(body);
        if (result.Status != UpdateStatus.Updated) return UpdateProblem(result);
        var genotype = parsed.Genotype!;
        return Results.Ok(new GenotypeResponse(genotype.ToDictionary().ToDictionary(StringComparer.Ordinal),
            genotype.Results.ToDictionary(r => r.Gene, r => PhenotypeCalculator.Default.Phenotype(r).PhenotypeTerm, StringComparer.Ordinal),
            genotype.KnowledgeBaseVersion));
    }

    private static async Task<IResult> PutMedications(string id, HttpRequest request, IClusterClient cluster, TimeProvider clock, CancellationToken ct)
    {
        var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
        MedicationsRequest? body;
        try { body = await JsonSerializer.DeserializeAsync<MedicationsRequest>(request.Body, GatewayJson.Options, ct); }
        catch (JsonException ex) { return Results.Problem(title: "Malformed JSON", detail: ex.Message, statusCode: StatusCodes.Status400BadRequest); }
        // A body without both arrays is a mistake, not a request to wipe the plan: say so and change nothing.
        if (body?.Current is null || body.History is null)
            return Results.Problem(title: "Invalid medications", detail: "body must be an object with both 'current' and 'history' arrays (send [] for none); nothing was changed", statusCode: StatusCodes.Status400BadRequest);
        static RawMedication? Raw(MedicationInput? m) => m is null ? null : new RawMedication(m.Drug, m.DoseMg, m.Start, m.End, m.Response, m.SideEffects);
        var validation = MedicationPlanValidator.Validate(body.Current?.Select(Raw).ToList(), body.History?.Select(Raw).ToList(),
            PgxKnowledgeBase.Default.Drugs, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        if (!validation.IsValid)
            return Results.Problem(title: "Invalid medications", statusCode: StatusCodes.Status400BadRequest,
                detail: $"nothing was stored. {validation.Errors[0].Pointer}: {validation.Errors[0].Message}",
                extensions: new Dictionary<string, object?> { ["errors"] = validation.Errors.Select(e => new { pointer = e.Pointer, message = e.Message }).ToArray() });

        var plan = new MedicationPlanDto(
            [.. validation.Plan!.Current.Select(c => new CurrentMedicationDto(c.Drug, c.DoseMg, c.Start))],
            [.. validation.Plan.History.Select(h => new PastTreatmentDto(h.Drug, h.DoseMg, h.Start, h.End, h.Response.ToString().ToLowerInvariant(), [.. h.SideEffects]))]);
        var result = await cluster.GetGrain<IPatientTwinGrain>(target).SetMedications(plan);
        return result.Status == UpdateStatus.Updated ? Results.Ok(plan) : UpdateProblem(result);
    }

    private static async Task<IResult> Predict(string id, string drug, IClusterClient cluster, CancellationToken ct)
    {
        var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
        var result = await cluster.GetGrain<IPatientTwinGrain>(target).GetMedicationPrediction(drug);
        return result.Status switch
        {
            PgxStatus.Ok => Results.Ok(result.Prediction),
            PgxStatus.UnknownDrug => UnknownDrugs([drug], result.SupportedDrugs),
            _ => PatientAccessFilter.PatientNotFound(),
        };
    }

    private static async Task<IResult> Rank(string id, string? candidates, IClusterClient cluster, CancellationToken ct)
    {
        var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
        var names = (candidates ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length is 0 or > 20)
            return Results.Problem(title: "Invalid candidates", detail: "candidates must list 1 to 20 comma-separated drug names, e.g. ?candidates=sertraline,escitalopram", statusCode: StatusCodes.Status400BadRequest);
        var result = await cluster.GetGrain<IPatientTwinGrain>(target).RankMedications(names);
        return result.Status switch
        {
            PgxStatus.Ok => Results.Ok(new { ranked = result.Ranked }),
            PgxStatus.UnknownDrug => UnknownDrugs(result.UnknownDrugs, result.SupportedDrugs),
            _ => PatientAccessFilter.PatientNotFound(),
        };
    }

    private static IResult UnknownDrugs(IEnumerable<string> unknown, string[] supported) =>
        Results.Problem(title: "Unknown drug", statusCode: StatusCodes.Status404NotFound,
            detail: $"no pharmacogenomic guidance for {string.Join(", ", unknown.Select(u => $"'{(u.Length > 40 ? u[..40] : u)}'"))}; supported drugs: {string.Join(", ", supported)}",
            extensions: new Dictionary<string, object?> { ["supported_drugs"] = supported });

    private static IResult UpdateProblem(UpdateResult result) => result.Status == UpdateStatus.PatientNotFound
        ? PatientAccessFilter.PatientNotFound()
        : Results.Problem(title: "Invalid request", detail: string.Join("; ", result.Errors), statusCode: StatusCodes.Status400BadRequest);
}
