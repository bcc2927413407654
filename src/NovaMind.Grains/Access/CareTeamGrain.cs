using NovaMind.Grains.Persistence;
using Microsoft.Extensions.Logging;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Domain.Privacy;

namespace NovaMind.Grains.Access;

[GenerateSerializer]
public sealed class CareTeamState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public List<string> Members { get; set; } = [];
    [Id(2)] public List<BreakGlassGrantDto> Grants { get; set; } = [];
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// One patient's care team, in its own grain and its own (encrypted) storage, apart from the twin's clinical state.
/// Every change is stored before it answers and mirrored into each member's <see cref="IClinicianPatientsGrain"/> list.
/// </summary>
public sealed partial class CareTeamGrain(
    [PersistentState("careteam", CareTeamGrain.StorageName)] IPersistentState<CareTeamState> team,
    TimeProvider clock,
    PatientPseudonymizer pseudonyms,
    ILogger<CareTeamGrain> logger) : Grain, ICareTeamGrain
{
    public const string StorageName = "access";

    private string Pseudonym => pseudonyms.Pseudonym(this.GetPrimaryKey());

    public Task<bool> Reseal() => SealedStateStore.ResealAsync(team);

    public async Task<CareTeamDto> Get()
    {
        // A patient registered before care teams existed: the team exists, empty, so a coordinator can add members.
        if (!team.State.Exists && await GrainFactory.GetGrain<IPatientTwinGrain>(this.GetPrimaryKey()).IsRegistered())
        {
            return Snapshot(exists: true);
        }
        return Snapshot(team.State.Exists);
    }

    public async Task<CareTeamDto> Create(string creator)
    {
        if (!AccessRules.IsValidSubject(creator)) throw new ArgumentException("invalid subject", nameof(creator));
        if (team.State.Exists) return Snapshot(true);
        team.State.Exists = true;
        team.State.CreatedAt = clock.GetUtcNow();
        team.State.Members = [creator];
        await WriteOrRevertAsync(() => { team.State.Exists = false; team.State.Members = []; });
        await GrainFactory.GetGrain<IClinicianPatientsGrain>(creator).Add(this.GetPrimaryKey());
        return Snapshot(true);
    }

    public async Task<CareTeamChangeResult> AddMember(string subject)
    {
        if ((await Get()) is { Exists: false } missing) return new(CareTeamChangeStatus.NotFound, missing, "patient not found");
        if (!AccessRules.IsValidSubject(subject)) return new(CareTeamChangeStatus.Invalid, Snapshot(true), "subject must be 1 to 128 printable characters without spaces");
        if (team.State.Members.Contains(subject)) return new(CareTeamChangeStatus.Unchanged, Snapshot(true));
        var wasStored = team.State.Exists;
        team.State.Exists = true;
        team.State.Members.Add(subject);
        await WriteOrRevertAsync(() => { team.State.Members.Remove(subject); team.State.Exists = wasStored; });
        await GrainFactory.GetGrain<IClinicianPatientsGrain>(subject).Add(this.GetPrimaryKey());
        LogChanged(Pseudonym, "member added", team.State.Members.Count);
        return new(CareTeamChangeStatus.Changed, Snapshot(true));
    }

    public async Task<CareTeamChangeResult> RemoveMember(string subject)
    {
        if ((await Get()) is { Exists: false } missing) return new(CareTeamChangeStatus.NotFound, missing, "patient not found");
        if (AccessRules.RemovalProblem(Domain(), subject) is { } problem)
            return new(team.State.Members.Contains(subject) ? CareTeamChangeStatus.Conflict : CareTeamChangeStatus.Invalid, Snapshot(true), problem);
        team.State.Members.Remove(subject);
        await WriteOrRevertAsync(() => team.State.Members.Add(subject));
        await GrainFactory.GetGrain<IClinicianPatientsGrain>(subject).Remove(this.GetPrimaryKey());
        LogChanged(Pseudonym, "member removed", team.State.Members.Count);
        return new(CareTeamChangeStatus.Changed, Snapshot(true));
    }

    public async Task Erase()
    {
        foreach (var member in team.State.Members.ToList())
            await GrainFactory.GetGrain<IClinicianPatientsGrain>(member).Remove(this.GetPrimaryKey());
        await team.ClearStateAsync();
        team.State = new CareTeamState();
        DeactivateOnIdle();
    }

    public async Task<CareTeamChangeResult> BreakGlass(string subject, string reason, TimeSpan duration)
    {
        if ((await Get()) is { Exists: false } missing) return new(CareTeamChangeStatus.NotFound, missing, "patient not found");
        if (!AccessRules.IsValidSubject(subject)) return new(CareTeamChangeStatus.Invalid, Snapshot(true), "invalid subject");
        if (AccessRules.BreakGlassProblem(reason, duration) is { } problem) return new(CareTeamChangeStatus.Invalid, Snapshot(true), problem);
        var now = clock.GetUtcNow();
        var previous = team.State.Grants;
        team.State.Exists = true;
        team.State.Grants = [.. previous.Where(g => g.ExpiresAt > now), new BreakGlassGrantDto(subject, reason.Trim(), now, now + duration)];
        await WriteOrRevertAsync(() => team.State.Grants = previous);
        LogBreakGlass(Pseudonym, duration.TotalMinutes);
        return new(CareTeamChangeStatus.Changed, Snapshot(true));
    }

    private CareTeam Domain() => new(team.State.Exists, team.State.Members,
        [.. team.State.Grants.Select(g => new BreakGlassGrant(g.Subject, g.Reason, g.GrantedAt, g.ExpiresAt))]);

    private CareTeamDto Snapshot(bool exists) =>
        new(exists, [.. team.State.Members], [.. team.State.Grants.Where(g => g.ExpiresAt > clock.GetUtcNow())]);

    private async Task WriteOrRevertAsync(Action revert)
    {
        try { await team.WriteStateAsync(); }
        catch { revert(); throw; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Care team of {Patient}: {Change}; {Members} members")]
    private partial void LogChanged(string patient, string change, int members);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Care team of {Patient}: break-glass access granted for {Minutes} minutes")]
    private partial void LogBreakGlass(string patient, double minutes);
}
