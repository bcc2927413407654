using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Grains.Access;
using NovaMind.Silo;
using NovaMind.TestInfrastructure;
using Orleans.TestingHost;

namespace NovaMind.Cluster.Tests;

/// <summary>
/// The silo's own check of client calls (defence in depth behind the gateway): a client call on a twin must name a caller,
/// and that caller must be allowed by the same access rules and the patient's care team.
/// </summary>
public sealed class SiloAccessTests : IAsyncLifetime
{
    private readonly TestSecrets _secrets = new();
    private AzuriteServer _azurite = null!;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.StartAsync();
        var configuration = NovaMindClusterFixture.SiloConfiguration(_azurite, _secrets, new() { ["Placement:RequireAccelerator"] = "false" });
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddNovaMind(configuration, useConfiguredStreams: false));
        builder.ConfigureClient(client => NovaMind.ServiceDefaults.ClusterTls.Load(configuration).ApplyTo(client));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>Runs <paramref name="call"/> as <paramref name="subject"/> (null: naming no caller), as the gateway's filter would.</summary>
    private static async Task<T> As<T>(string? subject, string role, Func<Task<T>> call)
    {
        if (subject is null) CallerContext.Clear();
        else CallerContext.Set(subject, [role]);
        try { return await call(); }
        finally { CallerContext.Clear(); }
    }

    private async Task<Guid> PatientOf(string clinician)
    {
        var id = Guid.NewGuid();
        await _cluster.Client.GetGrain<ICareTeamGrain>(id).Create(clinician); // care-team grains are not patient data: not filtered
        Assert.True(await As(clinician, "clinician", () => _cluster.Client.GetGrain<IPatientTwinGrain>(id).Register()));
        return id;
    }

    [Fact]
    public async Task A_twin_answers_its_care_team_and_refuses_everyone_else_as_the_gateway_would()
    {
        var id = await PatientOf("dr-a");
        var twin = _cluster.Client.GetGrain<IPatientTwinGrain>(id);
        Assert.NotNull(await As("dr-a", "clinician", () => twin.GetSummary()));

        var unnamed = await Assert.ThrowsAsync<PatientAccessDeniedException>(() => As(null, "", () => twin.GetSummary()));
        Assert.True(unnamed.Forbidden);
        Assert.Contains("names no caller", unnamed.Message);
        var outsider = await Assert.ThrowsAsync<PatientAccessDeniedException>(() => As("dr-b", "clinician", () => twin.GetSummary()));
        Assert.False(outsider.Forbidden); // 404: as for an unknown patient
        var coordinator = await Assert.ThrowsAsync<PatientAccessDeniedException>(() => As("coord", "care_coordinator", () => twin.GetSummary()));
        Assert.True(coordinator.Forbidden);
        await Assert.ThrowsAsync<PatientAccessDeniedException>(() => As("ingest", "service", () => twin.SetGenotype(new() { ["CYP2D6"] = "*1/*1" })));
        var ingest = await As("ingest", "service", () => twin.AddObservations([new(DateTimeOffset.UtcNow.AddHours(-1), "mood", 5)]));
        Assert.Equal(IngestStatus.Accepted, ingest.Status);

        // Joining the team is what changes the answer.
        await _cluster.Client.GetGrain<ICareTeamGrain>(id).AddMember("dr-b");
        Assert.Equal(1, (await As("dr-b", "clinician", () => twin.GetSummary()))!.TotalObservations);
    }

    [Fact]
    public async Task Only_an_admin_may_start_re_encryption_from_a_client_while_grains_calling_grains_need_no_caller()
    {
        var job = _cluster.Client.GetGrain<IKeyResealGrain>(0);
        Assert.True((await Assert.ThrowsAsync<PatientAccessDeniedException>(() => As("dr-a", "clinician", () => job.Start()))).Forbidden);
        var id = await PatientOf("dr-a");
        var report = await As("ops", "admin", () => job.Start());
        while (report.State == ResealReport.Running) report = await As("ops", "admin", () => job.Report());
        Assert.Equal(ResealReport.Finished, report.State); // the job's own calls on twins are grain-to-grain and pass
        // A client may not call Reseal on a twin itself, even as its clinician.
        await Assert.ThrowsAsync<PatientAccessDeniedException>(() => As("dr-a", "clinician", () => _cluster.Client.GetGrain<IPatientTwinGrain>(id).Reseal()));
    }

    [Fact]
    public void Every_twin_method_has_a_rule()
    {
        var methods = typeof(IPatientTwinGrain).GetMethods().Concat(typeof(IPatientTwinGrain).GetInterfaces().SelectMany(i => i.GetMethods()))
            .Select(m => m.Name).Distinct().Order().ToList();
        Assert.Equal(methods, ClientCallAccessFilter.TwinMethods.Keys.Order().ToList());
        Assert.All(ClientCallAccessFilter.TwinMethods.Values, a => Assert.True(Enum.IsDefined(a)));
        Assert.Equal(PatientAction.ReadClinical, ClientCallAccessFilter.TwinMethods[nameof(IPatientTwinGrain.GetSummary)]);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        if (_azurite is not null) await _azurite.DisposeAsync();
    }
}
