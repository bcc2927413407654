using System.Globalization;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Domain.Observations;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Patients;

public sealed record ExportedObservation(DateTimeOffset Time, string Type, double Value);
public sealed record ObservationExport(ExportedObservation[] Observations, string? NextCursor, string? Next);

/// <summary>The raw history of a patient (export, paged) and erasure of the patient (data minimisation).</summary>
public static class HistoryEndpoints
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    public static void MapHistoryEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/{id}/observations", Export).RequiresPatientAccess(PatientAction.ReadClinical)
            .WithSummary("Raw observations from the history store, by type then time, paged: type (optional), from and to (ISO 8601 with offset), limit ≤ 10,000, cursor from the previous page")
            .Produces<ObservationExport>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapDelete("/{id}", async (string id, IClusterClient cluster) =>
        {
            var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
            // Clinical data first; the care team last, so an interrupted erasure can be repeated by the same clinician.
            await cluster.GetGrain<IPatientTwinGrain>(target).Erase();
            await cluster.GetGrain<ICareTeamGrain>(target).Erase();
            return TypedResults.NoContent();
        }).RequiresPatientAccess(PatientAction.ErasePatient)
            .WithSummary("Erase the patient: the twin, its whole observation history, caches and care team; the audit trail keeps only the pseudonymous fact of erasure")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> Export(string id, string? type, string? from, string? to, string? limit, string? cursor,
        HttpRequest request, IClusterClient cluster, TimeProvider clock)
    {
        var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
        if (type is not null && !ObservationType.TryParse(type, out _))
            return Invalid("type", $"unknown observation type '{type}'; known: {string.Join(", ", ObservationType.All.Select(t => t.Name))}");
        var start = ObservationBatchValidator.EarliestTime;
        if (from is not null && !ObservationBatchValidator.TryParseTime(from, out start))
            return Invalid("from", "from must be an ISO 8601 time with an offset, e.g. 2026-01-01T00:00:00Z");
        var end = clock.GetUtcNow() + ObservationBatchValidator.AllowedClockSkew;
        if (to is not null && !ObservationBatchValidator.TryParseTime(to, out end))
            return Invalid("to", "to must be an ISO 8601 time with an offset, e.g. 2026-02-01T00:00:00Z");
        if (start > end) return Invalid("from", "from must not be after to");
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take < 1 || take > MaxLimit))
            return Invalid("limit", $"limit must be an integer from 1 to {MaxLimit}");
        if (!ExportCursor.IsValid(cursor)) return Invalid("cursor", "cursor is not one this API returned");

        var page = await cluster.GetGrain<IPatientTwinGrain>(target).ReadObservations(new ObservationExportQuery(type, start, end, cursor, take));
        if (!page.Found) return PatientAccessFilter.PatientNotFound();
        string? next = null;
        if (page.NextCursor is { } c)
        {
            var query = request.Query.Where(q => q.Key != "cursor").Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value.ToString())}").Append($"cursor={Uri.EscapeDataString(c)}");
            next = $"{request.Path}?{string.Join('&', query)}";
        }
        return TypedResults.Ok(new ObservationExport([.. page.Observations.Select(o => new ExportedObservation(o.Time, o.Type, o.Value))], page.NextCursor, next));
    }

    private static IResult Invalid(string parameter, string detail) =>
        Results.Problem(title: $"Invalid {parameter}", detail: detail, statusCode: StatusCodes.Status400BadRequest);
}
