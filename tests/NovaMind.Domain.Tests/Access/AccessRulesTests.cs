using NovaMind.Domain.Access;

namespace NovaMind.Domain.Tests.Access;

public class AccessRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static readonly CareTeam Team = new(true, ["dr-a", "dr-b"],
        [new BreakGlassGrant("dr-er", "unconscious patient in the emergency room", Now.AddMinutes(-10), Now.AddMinutes(50)),
         new BreakGlassGrant("dr-old", "expired emergency access from yesterday", Now.AddDays(-1), Now.AddDays(-1).AddHours(1))]);

    private static Caller C(string sub, params string[] roles) => Caller.From(sub, roles);

    public static TheoryData<string, string, PatientAction, AccessOutcome> Matrix()
    {
        var data = new TheoryData<string, string, PatientAction, AccessOutcome>();
        foreach (var action in Enum.GetValues<PatientAction>())
        {
            if (action is PatientAction.ResealPatientData or PatientAction.ReadModelMonitoring)
            {
                // operations over all patients' records or aggregates: admins only, no care team involved
                foreach (var (sub, role) in new[] { ("dr-a", "clinician"), ("dr-er", "clinician"), ("coord", "care_coordinator"), ("ingest", "service"), ("pat", "patient"), ("nobody", "") })
                    data.Add(sub, role, action, AccessOutcome.Forbidden);
                data.Add("ops", "admin", action, AccessOutcome.Allowed);
                continue;
            }
            var anyone = action is PatientAction.CreatePatient or PatientAction.ListPatients;
            // care-team member: everything
            data.Add("dr-a", "clinician", action, AccessOutcome.Allowed);
            // another clinician: 404 as for an unknown patient, except break-glass (and creating/listing their own)
            data.Add("dr-x", "clinician", action, anyone || action == PatientAction.BreakGlass ? AccessOutcome.Allowed : AccessOutcome.NotFound);
            // an active break-glass grant: clinical access, flagged; never care-team management
            data.Add("dr-er", "clinician", action, anyone || action == PatientAction.BreakGlass ? AccessOutcome.Allowed
                : action is PatientAction.ManageCareTeam or PatientAction.ErasePatient ? AccessOutcome.NotFound : AccessOutcome.AllowedByBreakGlass);
            // an expired grant is no grant
            data.Add("dr-old", "clinician", action, anyone || action == PatientAction.BreakGlass ? AccessOutcome.Allowed : AccessOutcome.NotFound);
            // coordinator: care teams only, never clinical data
            data.Add("coord", "care_coordinator", action, action is PatientAction.ReadCareTeam or PatientAction.ManageCareTeam ? AccessOutcome.Allowed : AccessOutcome.Forbidden);
            // service: observations only
            data.Add("ingest", "service", action, action == PatientAction.AddObservations ? AccessOutcome.Allowed : AccessOutcome.Forbidden);
            // admin and unknown roles: no patient data at all
            data.Add("ops", "admin", action, AccessOutcome.Forbidden);
            data.Add("pat", "patient", action, AccessOutcome.Forbidden);
            data.Add("nobody", "", action, AccessOutcome.Forbidden);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void EveryRoleAndAction(string subject, string role, PatientAction action, AccessOutcome expected) =>
        Assert.Equal(expected, AccessRules.Decide(C(subject, role == "" ? [] : [role]), action, Team, Now));

    [Theory]
    [InlineData("clinician")]
    [InlineData("care_coordinator")]
    [InlineData("service")]
    public void AnUnknownPatient_IsNotFound_ForEveryoneWhoseRoleAllowsTheAction(string role)
    {
        foreach (var action in Enum.GetValues<PatientAction>().Where(a => a is not (PatientAction.CreatePatient or PatientAction.ListPatients or PatientAction.ResealPatientData or PatientAction.ReadModelMonitoring)))
        {
            var outcome = AccessRules.Decide(C("dr-a", role), action, CareTeam.None, Now);
            Assert.Equal(CallerRoles.TryParse(role, out var r) && AccessRules.RoleMayAttempt(r, action) ? AccessOutcome.NotFound : AccessOutcome.Forbidden, outcome);
        }
    }

    [Fact]
    public void SeveralRoles_GetTheMostPermissiveOutcome()
    {
        var both = C("coord-doc", "care_coordinator", "clinician");
        Assert.Equal(AccessOutcome.Allowed, AccessRules.Decide(both, PatientAction.ManageCareTeam, Team, Now));
        Assert.Equal(AccessOutcome.NotFound, AccessRules.Decide(both, PatientAction.ReadClinical, Team, Now)); // not on the team
        Assert.Equal(AccessOutcome.Forbidden, AccessRules.Decide(C("ops", "admin", "patient"), PatientAction.ReadClinical, Team, Now));
    }

    [Theory]
    [InlineData("unconscious patient, ER triage", 60, null)]
    [InlineData("", 60, "reason is required")]
    [InlineData("because", 60, "reason is required")]
    [InlineData("unconscious patient, ER triage", 0, "duration must be")]
    [InlineData("unconscious patient, ER triage", 13 * 60, "duration must be")]
    public void BreakGlass_NeedsAReasonAndABoundedDuration(string reason, int minutes, string? problem)
    {
        var actual = AccessRules.BreakGlassProblem(reason, TimeSpan.FromMinutes(minutes));
        if (problem is null) Assert.Null(actual);
        else Assert.StartsWith(problem, actual);
    }

    [Fact]
    public void TheLastMember_CannotBeRemoved()
    {
        Assert.Null(AccessRules.RemovalProblem(Team, "dr-b"));
        Assert.Contains("not on this care team", AccessRules.RemovalProblem(Team, "dr-x"));
        Assert.Contains("last member", AccessRules.RemovalProblem(new CareTeam(true, ["dr-a"], []), "dr-a"));
    }

    [Theory]
    [InlineData("dr-a", true)]
    [InlineData("auth0|5f1c9a", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("tab\t", false)]
    public void Subjects_ArePrintableTokens(string subject, bool valid) => Assert.Equal(valid, AccessRules.IsValidSubject(subject));
}
