using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Admin;

/// <summary>Operations on the data keys, for admins: re-seal every stored record with the active key after a rotation.</summary>
public static class KeyEndpoints
{
    public static RouteGroupBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(AuthPolicies.Authenticated).AddEndpointFilter<PatientAccessFilter>().WithTags("Operations");

        admin.MapPost("/keys/reencrypt", async (IClusterClient cluster) =>
            TypedResults.Accepted("/api/admin/keys/reencrypt", await cluster.GetGrain<IKeyResealGrain>(0).Start()))
            .RequiresPatientAccess(PatientAction.ResealPatientData)
            .WithSummary("Start re-sealing every stored record with the silos' active data key (background; idempotent)");

        admin.MapGet("/keys/reencrypt", async (IClusterClient cluster) => TypedResults.Ok(await cluster.GetGrain<IKeyResealGrain>(0).Report()))
            .RequiresPatientAccess(PatientAction.ResealPatientData)
            .WithSummary("Progress of the re-sealing run: records scanned, re-sealed and failed, and records per sealing key");

        admin.MapGet("/models", async (IClusterClient cluster) =>
            {
                var served = await cluster.GetGrain<IForecastWorkerGrain>(0).ModelVersion();
                var versions = (await cluster.GetGrain<IModelMonitoringRegistryGrain>(0).Versions("forecast")).Append(served).Distinct(StringComparer.Ordinal)
                    .OrderBy(v => v == served ? 0 : 1).ThenByDescending(v => v, StringComparer.Ordinal).ToArray();
                var snapshots = await Task.WhenAll(versions.Select(v => cluster.GetGrain<IForecastAccuracyGrain>(v).Snapshot()));
                var pgxVersions = (await cluster.GetGrain<IModelMonitoringRegistryGrain>(0).Versions("pgx")).OrderByDescending(v => v, StringComparer.Ordinal);
                var pgx = await Task.WhenAll(pgxVersions.Select(v => cluster.GetGrain<IPgxAccuracyGrain>(v).Snapshot()));
                return TypedResults.Ok(new ModelMonitoringReportDto(new Dictionary<string, string> { ["forecast"] = served }, snapshots, pgx));
            })
            .RequiresPatientAccess(PatientAction.ReadModelMonitoring)
            .WithSummary("Each forecast model version's live accuracy (from the twins' later observations) next to its offline evaluation, its input and " +
                         "prediction drift against its training reference, and each PGx version's live Brier score from later treatment outcomes; aggregates only");
        return admin;
    }
}
