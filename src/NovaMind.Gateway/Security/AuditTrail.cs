using System.Diagnostics;
using System.Security.Claims;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Domain.Privacy;
using NovaMind.ServiceDefaults;

namespace NovaMind.Gateway.Security;

/// <summary>
/// The gateway's one audit seam: every patient route and hub method (allowed or denied) is recorded through here into
/// the silo's audit chain. Changes, denials and break-glass are durable before the response is sent; allowed reads go
/// through a bounded queue (<see cref="AuditReadQueue"/>) that the response does not wait for unless it is full.
/// Patients appear only as pseudonyms, never with clinical values.
/// </summary>
public sealed class AuditTrail(IClusterClient cluster, PatientPseudonymizer pseudonyms, TimeProvider clock, AuditReadQueue reads)
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
        return IsChange(check.Action) || !check.Allowed ? cluster.GetGrain<IAuditLogGrain>(0).Append([entry]) : reads.EnqueueAsync(entry);
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
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "no audit name for this action"),
    };
}

/// <summary>
/// Allowed reads on their way to the audit chain: batched (up to the chain's 98 entries per transaction), in order, retried
/// until stored (a silo crash only delays them), bounded (<c>Audit:ReadQueueCapacity</c>, default 10,000; a request waits
/// at most <c>Audit:ReadQueueWait</c>, default 5 s, for room and is otherwise refused with 503), and flushed at shutdown.
/// What a gateway process loses if it dies abruptly is at most what was queued: usually milliseconds of reads.
/// </summary>
public sealed class AuditReadQueue : IHostedService, IAsyncDisposable
{
    private readonly BoundedBatchWriter<AuditEntryDto> _writer;

    public AuditReadQueue(IClusterClient cluster, IConfiguration configuration, ILogger<AuditReadQueue> logger)
    {
        _writer = new BoundedBatchWriter<AuditEntryDto>(
            (batch, _) => cluster.GetGrain<IAuditLogGrain>(0).Append(batch),
            configuration.GetValue("Audit:ReadQueueCapacity", 10_000), AuditLimits.MaxEntriesPerAppend,
            configuration.GetValue("Audit:ReadQueueWait", TimeSpan.FromSeconds(5)), logger);
    }

    public int Pending => _writer.Pending;

    public async Task EnqueueAsync(AuditEntryDto entry)
    {
        try { await _writer.EnqueueAsync(entry); }
        catch (TimeoutException ex) { throw new AuditUnavailableException("the audit queue is full: the audit chain is not keeping up", ex); }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>At shutdown every queued read reaches the chain before the process exits (within the host's shutdown time).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _writer.FlushAsync(TimeSpan.FromSeconds(25));

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
