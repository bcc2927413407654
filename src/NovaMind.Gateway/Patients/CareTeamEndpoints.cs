using System.Security.Claims;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Patients;

public sealed record BreakGlassRequest(string? Reason, int? Minutes);

/// <summary>Care teams and break-glass access (ADR 0015). Who may call which is decided by <see cref="AccessRules"/> in the group's filter.</summary>
public static class CareTeamEndpoints
{
    public static void MapCareTeamEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/{id}/care-team", async (string id, IClusterClient cluster) =>
                Results.Ok(await cluster.GetGrain<ICareTeamGrain>(Guid.Parse(id)).Get()))
            .RequiresPatientAccess(PatientAction.ReadCareTeam)
            .WithSummary("The patient's care team and active break-glass grants").Produces<CareTeamDto>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPut("/{id}/care-team/{sub}", async (string id, string sub, IClusterClient cluster) =>
                Answer(await cluster.GetGrain<ICareTeamGrain>(Guid.Parse(id)).AddMember(sub)))
            .RequiresPatientAccess(PatientAction.ManageCareTeam)
            .WithSummary("Add a member (a token subject) to the care team").Produces<CareTeamDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapDelete("/{id}/care-team/{sub}", async (string id, string sub, IClusterClient cluster) =>
                Answer(await cluster.GetGrain<ICareTeamGrain>(Guid.Parse(id)).RemoveMember(sub)))
            .RequiresPatientAccess(PatientAction.ManageCareTeam)
            .WithSummary("Remove a member from the care team (never the last one)").Produces<CareTeamDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/{id}/break-glass", async (string id, BreakGlassRequest? body, ClaimsPrincipal user, IClusterClient cluster) =>
            {
                var minutes = body?.Minutes ?? 60;
                var result = await cluster.GetGrain<ICareTeamGrain>(Guid.Parse(id))
                    .BreakGlass(PatientAccess.CallerOf(user).Subject, body?.Reason ?? "", TimeSpan.FromMinutes(minutes));
                return Answer(result);
            })
            .RequiresPatientAccess(PatientAction.BreakGlass)
            .WithSummary("Emergency access for a clinician outside the care team: a reason and a duration (minutes, default 60, at most 720); always audited")
            .Accepts<BreakGlassRequest>("application/json").Produces<CareTeamDto>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static IResult Answer(CareTeamChangeResult result) => result.Status switch
    {
        CareTeamChangeStatus.Changed or CareTeamChangeStatus.Unchanged => Results.Ok(result.Team),
        CareTeamChangeStatus.NotFound => PatientAccessFilter.PatientNotFound(),
        CareTeamChangeStatus.Conflict => Results.Problem(title: "Care team conflict", detail: result.Problem, statusCode: StatusCodes.Status409Conflict),
        _ => Results.Problem(title: "Invalid care-team change", detail: result.Problem, statusCode: StatusCodes.Status400BadRequest),
    };
}
