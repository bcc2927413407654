namespace NovaMind.Domain.Access;

/// <summary>Who a caller is, by the roles in their token.</summary>
public enum CallerRole
{
    /// <summary>Treats patients: clinical data of the patients whose care team they are on.</summary>
    Clinician,
    /// <summary>Manages care teams; sees no clinical data.</summary>
    CareCoordinator,
    /// <summary>Operations; no patient data.</summary>
    Admin,
    /// <summary>A machine client (e.g. a device-ingest service): may only add observations.</summary>
    Service,
}

/// <summary>What a request does to (or with) one patient.</summary>
public enum PatientAction
{
    CreatePatient,
    ListPatients,
    /// <summary>Summary, forecasts, correlations, pharmacogenomic predictions and rankings, live updates.</summary>
    ReadClinical,
    /// <summary>Genotype and medications.</summary>
    WriteClinical,
    AddObservations,
    ReadCareTeam,
    ManageCareTeam,
    BreakGlass,
    /// <summary>Rewrite every sealed patient record with the active data key (operations: reads no clinical value).</summary>
    ResealPatientData,
    /// <summary>Erase the patient's twin, history and care team (a care-team clinician; never through break-glass).</summary>
    ErasePatient,
    /// <summary>Served model versions' live accuracy against their offline evaluation (operations: aggregates, no patient data).</summary>
    ReadModelMonitoring,
}

/// <summary>How an access decision came out. Forbidden does not depend on the patient (no existence oracle); NotFound is what a caller outside the care team gets, identical to an unknown patient.</summary>
public enum AccessOutcome
{
    Allowed,
    /// <summary>Allowed only through an active break-glass grant: always audited and flagged.</summary>
    AllowedByBreakGlass,
    NotFound,
    Forbidden,
}

public sealed record Caller(string Subject, IReadOnlySet<CallerRole> Roles)
{
    /// <summary>Roles from token claim values; names other than clinician, care_coordinator, admin and service are ignored.</summary>
    public static Caller From(string subject, IEnumerable<string> roleClaims) =>
        new(subject, roleClaims.Select(r => CallerRoles.TryParse(r, out var role) ? role : (CallerRole?)null).OfType<CallerRole>().ToHashSet());
}

public static class CallerRoles
{
    private static readonly (CallerRole Role, string Name)[] Names =
        [(CallerRole.Clinician, "clinician"), (CallerRole.CareCoordinator, "care_coordinator"), (CallerRole.Admin, "admin"), (CallerRole.Service, "service")];

    public static IReadOnlyList<string> All { get; } = [.. Names.Select(n => n.Name)];

    public static string ToName(this CallerRole role) => Names.Single(n => n.Role == role).Name;

    public static bool TryParse(string? name, out CallerRole role)
    {
        foreach (var n in Names)
            if (n.Name == name) { role = n.Role; return true; }
        role = default;
        return false;
    }
}

/// <summary>A time-bounded emergency access to one patient by someone outside the care team.</summary>
public sealed record BreakGlassGrant(string Subject, string Reason, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt)
{
    public bool IsActive(DateTimeOffset now) => GrantedAt <= now && now < ExpiresAt;
}

/// <summary>One patient's care team as the access rules see it. <see cref="Exists"/> is false for a patient nobody registered.</summary>
public sealed record CareTeam(bool Exists, IReadOnlyCollection<string> Members, IReadOnlyList<BreakGlassGrant> Grants)
{
    public static CareTeam None { get; } = new(false, [], []);

    public bool HasMember(string subject) => Members.Contains(subject, StringComparer.Ordinal);

    public BreakGlassGrant? ActiveGrant(string subject, DateTimeOffset now) =>
        Grants.Where(g => g.Subject == subject && g.IsActive(now)).OrderByDescending(g => g.ExpiresAt).FirstOrDefault();
}

/// <summary>
/// Object-level authorization for patient data. First the role decides whether the action is ever possible for the
/// caller (Forbidden, whatever the patient: no existence oracle); then the patient's care team decides (NotFound for
/// an unknown patient and for a caller outside the team, so both look the same).
/// </summary>
public static class AccessRules
{
    /// <summary>Which roles may attempt which actions at all.</summary>
    public static bool RoleMayAttempt(CallerRole role, PatientAction action) => role switch
    {
        CallerRole.Clinician => action is not (PatientAction.ResealPatientData or PatientAction.ReadModelMonitoring),
        CallerRole.Admin => action is PatientAction.ResealPatientData or PatientAction.ReadModelMonitoring,
        CallerRole.CareCoordinator => action is PatientAction.ReadCareTeam or PatientAction.ManageCareTeam,
        CallerRole.Service => action is PatientAction.AddObservations,
        _ => false,
    };

    public static AccessOutcome Decide(Caller caller, PatientAction action, CareTeam team, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(team);
        var outcomes = caller.Roles.Where(r => RoleMayAttempt(r, action)).Select(r => DecideFor(r, caller.Subject, action, team, now)).ToList();
        return outcomes.Count == 0 ? AccessOutcome.Forbidden : outcomes.Min(); // Allowed < AllowedByBreakGlass < NotFound
    }

    private static AccessOutcome DecideFor(CallerRole role, string subject, PatientAction action, CareTeam team, DateTimeOffset now)
    {
        if (action is PatientAction.CreatePatient or PatientAction.ListPatients or PatientAction.ResealPatientData or PatientAction.ReadModelMonitoring) return AccessOutcome.Allowed;
        if (!team.Exists) return AccessOutcome.NotFound;
        return role switch
        {
            CallerRole.Clinician when team.HasMember(subject) => AccessOutcome.Allowed,
            CallerRole.Clinician when action == PatientAction.BreakGlass => AccessOutcome.Allowed,
            CallerRole.Clinician when team.ActiveGrant(subject, now) is not null && action is not (PatientAction.ManageCareTeam or PatientAction.ErasePatient) => AccessOutcome.AllowedByBreakGlass,
            CallerRole.CareCoordinator or CallerRole.Service => AccessOutcome.Allowed, // their actions were limited by role above
            _ => AccessOutcome.NotFound,
        };
    }

    public const int MaxBreakGlassReasonLength = 500;
    public static readonly TimeSpan MaxBreakGlassDuration = TimeSpan.FromHours(12);

    /// <summary>A break-glass request needs a reason a reviewer can read and a bounded duration; null when it is acceptable.</summary>
    public static string? BreakGlassProblem(string? reason, TimeSpan duration)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 10) return "reason is required: at least 10 characters saying why emergency access is needed";
        if (reason.Length > MaxBreakGlassReasonLength) return $"reason must be at most {MaxBreakGlassReasonLength} characters";
        if (duration <= TimeSpan.Zero || duration > MaxBreakGlassDuration) return $"duration must be more than 0 and at most {MaxBreakGlassDuration.TotalHours:0} hours";
        return null;
    }

    /// <summary>A member can be removed unless they are the last one (a patient without a care team could only be reached by break-glass).</summary>
    public static string? RemovalProblem(CareTeam team, string subject)
    {
        if (!team.HasMember(subject)) return $"'{subject}' is not on this care team";
        return team.Members.Count == 1 ? "the last member of a care team cannot be removed; add another member first" : null;
    }

    /// <summary>Subjects are token `sub` values: printable, no spaces, bounded.</summary>
    public static bool IsValidSubject(string? subject) =>
        !string.IsNullOrEmpty(subject) && subject.Length <= 128 && subject.All(c => c > ' ' && c < 127);
}
