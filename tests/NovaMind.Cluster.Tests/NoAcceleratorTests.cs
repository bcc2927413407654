using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NovaMind.Contracts;
using NovaMind.Grains.Placement;
using NovaMind.Simulation;
using NovaMind.Silo;
using NovaMind.TestInfrastructure;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;

namespace NovaMind.Cluster.Tests;

/// <summary>A "gpu" deployment whose GPU silos are all gone: one CPU silo, accelerators required.</summary>
public sealed class NoAcceleratorClusterFixture : ClusterOverAzuriteFixture
{
    protected override InProcessTestCluster Build(AzuriteServer azurite)
    {
        var configuration = NovaMindClusterFixture.SiloConfiguration(azurite, new TestSecrets(), new()
        {
            ["Placement:RequireAccelerator"] = "true",
            ["Placement:Accelerator"] = "cpu",
            [NovaMindSiloExtensions.VerifyClientCallsKey] = "false",
        });
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddNovaMind(configuration, useConfiguredStreams: false));
        builder.ConfigureClient(client => NovaMind.ServiceDefaults.ClusterTls.Load(configuration).ApplyTo(client));
        return builder.Build();
    }
}

public sealed class NoAcceleratorTests(NoAcceleratorClusterFixture fixture) : IClassFixture<NoAcceleratorClusterFixture>
{
    private async Task<IPatientTwinGrain> PatientAsync()
    {
        var p = new CohortSimulator(seed: 41).Simulate(1, 60, new DateOnly(2026, 6, 1))[0];
        var twin = fixture.Cluster.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await twin.Register();
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([.. p.Observations.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))])).Status);
        return twin;
    }

    [Fact]
    public async Task A_model_call_fails_with_a_typed_exception_that_names_the_missing_capability_and_twins_still_work()
    {
        var twin = await PatientAsync();
        var ex = await Assert.ThrowsAsync<AcceleratorUnavailableException>(() => twin.GetForecast("mood", 7));
        Assert.Contains("no accelerator silo (novamind.accelerator=cuda) is active", ex.Message);
        Assert.Contains("Placement:RequireAccelerator", ex.Message);
        // Twins live on CPU silos: reads and writes are unaffected.
        var summary = await twin.GetSummary();
        Assert.NotNull(summary);
        Assert.True(summary.TotalObservations > 0);
    }

    [Fact]
    public async Task Insights_report_the_model_parts_as_unavailable_not_as_errors()
    {
        var twin = await PatientAsync();
        var result = await twin.GetInsights(new InsightsQuery(14, 30, ["forecast", "correlations"], ["mood"], null));
        Assert.NotNull(result.Insights);
        Assert.Equal(InsightPartStatus.Unavailable, result.Insights.Forecast!.Info.Status);
        Assert.Contains("no accelerator silo", result.Insights.Forecast.Info.Problem);
        Assert.Equal(InsightPartStatus.Unavailable, result.Insights.Correlations!.Info.Status);
    }

    [Fact]
    public async Task Readiness_stays_up_but_degraded_and_says_what_is_missing()
    {
        var services = fixture.Cluster.Silos[0].ServiceProvider;
        HealthCheckResult Check(bool require) => new AcceleratorReadyCheck(services.GetRequiredService<ISiloStatusOracle>(),
            services.GetRequiredService<ISiloMetadataCache>(), Options.Create(new AcceleratorPlacementOptions { RequireAccelerator = require }))
            .CheckHealthAsync(new HealthCheckContext()).GetAwaiter().GetResult();

        var required = Check(true);
        Assert.Equal(HealthStatus.Degraded, required.Status);
        Assert.Contains("no accelerator silo", required.Description);
        Assert.Equal(0, required.Data["accelerator_silos"]);
        Assert.Equal(1, required.Data["active_silos"]);
        Assert.Equal(HealthStatus.Healthy, Check(false).Status);
        await Task.CompletedTask;
    }
}
