using NovaMind.Domain.Access;

namespace NovaMind.Contracts;

[GenerateSerializer, Immutable]
public sealed record BreakGlassGrantDto(
    [property: Id(0)] string Subject,
    [property: Id(1)] string Reason,
    [property: Id(2)] DateTimeOffset GrantedAt,
    [property: Id(3)] DateTimeOffset ExpiresAt);

/// <summary>A patient's care team: who may see the patient's data. Kept apart from the twin's clinical state.</summary>
[GenerateSerializer, Immutable]
public sealed record CareTeamDto(
    [property: Id(0)] bool Exists,
    [property: Id(1)] string[] Members,
    [property: Id(2)] BreakGlassGrantDto[] Grants);

public enum CareTeamChangeStatus { Changed, Unchanged, NotFound, Invalid, Conflict }

[GenerateSerializer, Immutable]
public sealed record CareTeamChangeResult(
    [property: Id(0)] CareTeamChangeStatus Status,
    [property: Id(1)] CareTeamDto Team,
    [property: Id(2)] string? Problem = null);

/// <summary>One patient's care team (key: the patient id). Members and break-glass grants; every change is stored before it answers.</summary>
public interface ICareTeamGrain : IGrainWithGuidKey, ISealedStateGrain
{
    /// <summary>The team; a patient registered before care teams existed gets an empty team (a coordinator adds members).</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<CareTeamDto> Get();

    /// <summary>Creates the team with its first member (the clinician who registers the patient); idempotent.</summary>
    Task<CareTeamDto> Create(string creator);

    Task<CareTeamChangeResult> AddMember(string subject);

    Task<CareTeamChangeResult> RemoveMember(string subject);

    /// <summary>Time-bounded emergency access for someone outside the team; the reason is kept with the grant.</summary>
    Task<CareTeamChangeResult> BreakGlass(string subject, string reason, TimeSpan duration);

    /// <summary>Removes the patient from every member's list and deletes the team (patient erasure).</summary>
    Task Erase();
}

[GenerateSerializer, Immutable]
public sealed record PatientPage([property: Id(0)] Guid[] Ids, [property: Id(1)] int Total);

/// <summary>The patients whose care team one person is on (key: the token subject), for listing "my patients".</summary>
public interface IClinicianPatientsGrain : IGrainWithStringKey, ISealedStateGrain
{
    Task Add(Guid patientId);
    Task Remove(Guid patientId);
    [Orleans.Concurrency.ReadOnly]
    Task<PatientPage> List(int offset, int limit);
}

/// <summary>The one way the gateway and the silo load the care team an access decision needs.</summary>
public static class CareTeamAccess
{
    /// <summary>The patient's team, loaded only when the caller's role may attempt the action on a patient at all.</summary>
    public static async Task<CareTeam> LoadAsync(IGrainFactory grains, Caller caller, PatientAction action, Guid? patientId)
    {
        if (patientId is not { } id || !caller.Roles.Any(r => AccessRules.RoleMayAttempt(r, action))) return CareTeam.None;
        var dto = await grains.GetGrain<ICareTeamGrain>(id).Get();
        return new CareTeam(dto.Exists, dto.Members, [.. dto.Grants.Select(g => new BreakGlassGrant(g.Subject, g.Reason, g.GrantedAt, g.ExpiresAt))]);
    }
}
