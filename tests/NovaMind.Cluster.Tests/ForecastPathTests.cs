using NovaMind.Contracts;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Simulation;
using NovaMind.Ml.Forecasting;
using NovaMind.TestInfrastructure;

namespace NovaMind.Cluster.Tests;

/// <summary>Twin → ForecastWorker → silo scheduler → model gives what the model gives when called directly.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ForecastPathTests(NovaMindClusterFixture fixture)
{
    [Fact]
    public async Task Concurrent_forecasts_through_the_cluster_equal_direct_model_calls()
    {
        using var model = ForecastModel.LoadCurrent(Path.Combine(RepoPaths.Models, "forecast"));
        var cohort = new CohortSimulator(seed: 99).Simulate(24, 45, new DateOnly(2026, 4, 30));
        var twins = new List<(IPatientTwinGrain Twin, SimulatedPatient Patient)>();
        foreach (var p in cohort)
        {
            var twin = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
            await twin.Register();
            await twin.AddObservations([.. p.Observations.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))]);
            twins.Add((twin, p));
        }

        var forecasts = await Task.WhenAll(twins.Select(t => t.Twin.GetForecast(14)));

        for (var i = 0; i < twins.Count; i++)
        {
            var window = ForecastWindow.TryBuild(twins[i].Patient.Observations, ObservationType.Mood, out _);
            Assert.NotNull(window);
            var direct = model.Predict([new ForecastInput(window.Scaled, window.Mask)])[0];
            Assert.Equal(ForecastStatus.Ok, forecasts[i].Status);
            for (var k = 0; k < 14; k++)
                Assert.Equal(Math.Clamp(ForecastWindow.Unscale(ObservationType.Mood, direct.Mean[k]), 0, 10), forecasts[i].Predictions[k].Value, 3);
        }
    }
}
