using System.Diagnostics;
using System.Security.Claims;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Domain.Privacy;
using NovaMind.ServiceDefaults;

namespace NovaMind.Gateway.Security;

/// <summary>
/// The gateway's one audit seam: every patient route and hub method (allowed or denied) is recorded through here into
/// the silo's audit chain. A change's attempt, denials and break-glass are durable before the response is sent; allowed
/// reads and the outcomes of changes go through a bounded queue (<see cref="AuditQueue"/>) that the response does not wait
/// for unless it is full.
/// Patients appear only as pseudonyms, never with clinical values.
/// </summary>
public sealed class AuditTrail(IClusterClient cluster, PatientPseudonymizer pseudonyms, TimeProvider clock, AuditQueue reads)
{
    /// <summary>Actions that change data get an "attempt" record before they run, so a crash between the change and its outcome still leaves a trace.</summary>
    public static bool IsChange(PatientAction action) => action is not (PatientAction.ReadClinical or PatientAction.ReadCareTeam or PatientAction.ListPatients);

    /// <summary>
    /// Records one outcome. Denials, break-glass and a change's "attempt" are durable before the caller goes on; the outcome
    /// of a change whose attempt is recorded (<paramref name="attemptRecorded"/>) and allowed reads go through the queue.
    /// </summary>
    public Task RecordAsync(ClaimsPrincipal user, PatientAccessCheck check, string resource, string outcome, string? source, bool attemptRecorded = false)
    {
        var caller = PatientAccess.CallerOf(user);
        var entry = new AuditEntryDto(
            clock.GetUtcNow(), caller.Subject, [.. user.FindAll("role").Select(c => c.Value)], ActionName(check.Action),
            check.PatientId is { } id ? pseudonyms.Pseudonym(id) : null, resource, outcome,
            check.Outcome == AccessOutcome.AllowedByBreakGlass || check.Action == PatientAction.BreakGlass,
            Activity.Current?.TraceId.ToString(), source);
        var synchronous = !check.Allowed || entry.BreakGlass || IsChange(check.Action) && !attemptRecorded;
        return synchronous ? cluster.GetGrain<IAuditLogGrain>(0).Append([entry]) : reads.EnqueueAsync(entry);
    }

    /// <summary>
    /// A request the gateway answers 401: no subject is known, so the record names the route (its pattern, never the raw
    /// path with a patient id), the source address and why the token was refused (the exception type, no token content).
    /// </summary>
    public static Task RecordUnauthenticatedAsync(HttpContext http, Exception? failure)
    {
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
        var outcome = failure is null ? "denied_no_token" : $"denied_invalid_token {failure.GetType().Name}";
        var services = http.RequestServices;
        return services.GetRequiredService<AuditQueue>().EnqueueAsync(new AuditEntryDto(
            services.GetRequiredService<TimeProvider>().GetUtcNow(), "anonymous", [], "authenticate", null,
            $"{http.Request.Method} {route}", outcome, false, Activity.Current?.TraceId.ToString(), http.Connection.RemoteIpAddress?.ToString()));
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
        PatientAction.BreakGlass => "break_glass",
        PatientAction.ResealPatientData => "reencrypt_patient_data",
        PatientAction.ErasePatient => "erase_patient",
        PatientAction.ReadModelMonitoring => "read_model_monitoring",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "no audit name for this action"),
    };
}
