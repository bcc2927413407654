using Microsoft.Extensions.Configuration;
using NovaMind.Contracts;
using NovaMind.Simulation;
using NovaMind.Silo;
using NovaMind.TestInfrastructure;
using Orleans.TestingHost;

namespace NovaMind.Cluster.Tests;

/// <summary>A heterogeneous cluster: the first silo advertises a CUDA accelerator, the second only a CPU.</summary>
public sealed class HeterogeneousClusterFixture : ClusterOverAzuriteFixture
{
    public string? GpuSiloName { get; private set; }

    protected override InProcessTestCluster Build(AzuriteServer azurite)
    {
        var secrets = new TestSecrets();
        IConfiguration Configuration(string accelerator) => NovaMindClusterFixture.SiloConfiguration(azurite, secrets, new()
        {
            ["Placement:RequireAccelerator"] = "true",
            ["Placement:Accelerator"] = accelerator,
            [NovaMindSiloExtensions.VerifyClientCallsKey] = "false", // calls twins directly; the check has its own tests
        });

        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.AssumeHomogenousSilosForTesting = false;
        builder.ConfigureSilo((options, silo) =>
        {
            // The first silo to be configured is the GPU silo.
            GpuSiloName ??= options.SiloName;
            silo.AddNovaMind(Configuration(options.SiloName == GpuSiloName ? "cuda" : "cpu"), useConfiguredStreams: false);
        });
        builder.ConfigureClient(client => NovaMind.ServiceDefaults.ClusterTls.Load(Configuration("cpu")).ApplyTo(client));
        return builder.Build();
    }
}

public sealed class AcceleratorPlacementTests(HeterogeneousClusterFixture fixture) : IClassFixture<HeterogeneousClusterFixture>
{
    [Fact]
    public async Task Forecast_workers_activate_only_on_the_accelerator_silo_whichever_silo_calls_them()
    {
        var client = fixture.Cluster.Client;
        var management = client.GetGrain<IManagementGrain>(0);
        var gpuSilo = fixture.Cluster.Silos.Single(s => s.Name == fixture.GpuSiloName).SiloAddress;
        var patients = new CohortSimulator(seed: 3).Simulate(64, 40, new DateOnly(2026, 6, 1));

        // Precondition: callers on both silos. Right after start-up the silos may not yet see each other, so twins are
        // added (each forecasting once) until both silos host some — placement of twins is random.
        List<SiloAddress> twinSilos = [];
        var forecasts = new List<ForecastResult>();
        foreach (var p in patients)
        {
            var twin = client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
            await twin.Register();
            await twin.AddObservations([.. p.Observations.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))]);
            forecasts.Add(await twin.GetForecast("mood", 7));
            twinSilos = [.. (await management.GetSimpleGrainStatistics())
                .Where(s => s.GrainType.Contains("PatientTwin", StringComparison.Ordinal) && s.ActivationCount > 0).Select(s => s.SiloAddress).Distinct()];
            if (twinSilos.Count == 2 && forecasts.Count >= 16) break;
        }
        Assert.All(forecasts, f => Assert.Equal(ForecastStatus.Ok, f.Status));

        var stats = await management.GetSimpleGrainStatistics();
        var workerSilos = stats.Where(s => s.GrainType.Contains("ForecastWorker", StringComparison.Ordinal) && s.ActivationCount > 0).Select(s => s.SiloAddress).Distinct().ToList();

        Assert.Equal(2, twinSilos.Count); // callers on both silos…
        Assert.Equal([gpuSilo], workerSilos); // …workers only on the GPU silo
    }
}
