using System.Diagnostics;
using System.Security.Claims;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Domain.Privacy;

namespace NovaMind.Gateway.Security;

/// <summary>
/// The gateway's one audit seam: every patient route and hub method (allowed or denied) is recorded through here into
/// the silo's audit chain before the response is sent. Patients appear only as pseudonyms, never with clinical values.
/// </summary>
public sealed class AuditTrail(IClusterClient cluster, PatientPseudonymizer pseudonyms, TimeProvider clock)
{
    /// <summary>Actions that change data get an "attempt" record before they run, so a crash between the change and its outcome still leaves a trace.</summary>
    public static bool IsChange(PatientAction action) => action is not (PatientAction.ReadClinical or PatientAction.ReadCareTeam or PatientAction.ListPatients);

    public Task RecordAsync(ClaimsPrincipal user, PatientAccessCheck check, string resource, string outcome, string? source)
    {
        var caller = PatientAccess.CallerOf(user);
        var entry = new AuditEntryDto(
            clock.GetUtcNow(), caller.Subject, [.. user.FindAll("role").Select(c => c.Value)], ActionName(check.Action),
            check.PatientId is { } id ? pseudonyms.Pseudonym(id) : null, resource, outcome,
            check.Outcome == AccessOutcome.AllowedByBreakGlass || check.Action == PatientAction.BreakGlass,
            Activity.Current?.TraceId.ToString(), source);
        return cluster.GetGrain<IAuditLogGrain>(0).Append([entry]);
    }

    public static string OutcomeOf(AccessOutcome outcome) => outcome switch
    {
        AccessOutcome.Forbidden => "denied_forbidden",
        AccessOutcome.NotFound => "denied_not_found",
        _ => "allowed",
    };

    public static string ActionName(PatientAction action) => action switch
    {
        PatientAction.CreatePatient => "create_patient",
        PatientAction.ListPatients => "list_patients",
        PatientAction.ReadClinical => "read_clinical",
        PatientAction.WriteClinical => "write_clinical",
        PatientAction.AddObservations => "add_observations",
        PatientAction.ReadCareTeam => "read_care_team",
        PatientAction.ManageCareTeam => "manage_care_team",
        _ => "break_glass",
    };
}
