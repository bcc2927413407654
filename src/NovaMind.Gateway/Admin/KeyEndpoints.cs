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
        return admin;
    }
}
