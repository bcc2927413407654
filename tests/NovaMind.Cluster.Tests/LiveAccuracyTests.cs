using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using NovaMind.Grains.Monitoring;
using NovaMind.Simulation;
using NovaMind.TestInfrastructure;

namespace NovaMind.Cluster.Tests;

/// <summary>
/// Online validation through the cluster: a twin serves a forecast, later observations arrive, and the realised errors
/// appear — exactly as computed by hand from the served forecast and the observed daily means — in the twin's summary and
/// in the served version's accuracy grain, next to that version's offline evaluation.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LiveAccuracyTests(NovaMindClusterFixture fixture)
{
    private static readonly DateOnly Origin = new(2026, 6, 15);

    [Fact]
    public async Task Served_forecasts_are_scored_against_the_days_observed_later_in_the_twin_and_for_the_model_version()
    {
        var patient = new SymptomCohortSimulator(seed: 1601).Simulate(1, 120, Origin.AddDays(15)).Patients[0];
        ObservationRecord Record(NovaMind.Domain.Observations.Observation o) => new(o.Time, o.Type.Name, o.Value);
        DateOnly DayOf(NovaMind.Domain.Observations.Observation o) => DateOnly.FromDateTime(o.Time.UtcDateTime);
        var history = patient.Observations.Where(o => DayOf(o) <= Origin).Select(Record).ToArray();
        var later = patient.Observations.Where(o => DayOf(o) > Origin && DayOf(o) <= Origin.AddDays(10)).ToList();

        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await twin.Register();
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations(history)).Status);
        var forecast = await twin.GetForecast("mood", 14);
        Assert.Equal(ForecastStatus.Ok, forecast.Status);
        Assert.Equal(Origin.AddDays(1), forecast.Predictions[0].Date);
        var pending = Assert.Single((await twin.GetSummary())!.ForecastAccuracy!);
        Assert.Equal((0L, 1), (pending.ScoredPoints, pending.PendingForecasts));

        var aggregator = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<LiveAccuracyAggregator>();
        var accuracy = fixture.Client.GetGrain<IForecastAccuracyGrain>(forecast.ModelVersion!);
        await aggregator.FlushAsync();
        var before = await accuracy.Snapshot();

        // Ten more days arrive: each observed day of the forecast is scored against that day's mean mood.
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([.. later.Select(Record)])).Status);
        var expected = forecast.Predictions
            .Select((p, i) => (Horizon: i + 1, Point: p, Actual: later.Where(o => o.Type.Name == "mood" && DayOf(o) == p.Date).Select(o => o.Value).DefaultIfEmpty(double.NaN).Average()))
            .Where(x => !double.IsNaN(x.Actual)).ToList();
        Assert.InRange(expected.Count, 8, 10);
        var summary = Assert.Single((await twin.GetSummary())!.ForecastAccuracy!);
        Assert.Equal("mood", summary.Symptom);
        Assert.Equal(expected.Count, summary.ScoredPoints);
        Assert.Equal(expected.Average(x => Math.Abs(x.Actual - x.Point.Value)), summary.Mae!.Value, 2e-3); // served values are stored as float, answers rounded to 3 decimals
        // Coverage from the answer's bounds, which are rounded to 3 decimals: a day within rounding of a bound (daily means of
        // whole-number scores often sit on one) may count either way; every other day must count as computed here.
        static bool Near(double a, double b) => Math.Abs(a - b) <= 5e-4 + 1e-9;
        var surelyIn = expected.Count(x => x.Point.Lower80 < x.Actual && x.Actual < x.Point.Upper80 && !Near(x.Actual, x.Point.Lower80) && !Near(x.Actual, x.Point.Upper80));
        var onEdge = expected.Count(x => Near(x.Actual, x.Point.Lower80) || Near(x.Actual, x.Point.Upper80));
        Assert.InRange(summary.Coverage80!.Value * expected.Count, surelyIn - 1e-9, surelyIn + onEdge + 1e-9);
        Assert.Equal(1, summary.PendingForecasts); // days 11–14 are not observed yet

        // The same points, merged for the model version (aggregates only), by horizon bucket.
        await aggregator.FlushAsync();
        var after = await accuracy.Snapshot();
        foreach (var (bucket, first, last) in new[] { ("1-7", 1, 7), ("8-14", 8, 14) })
        {
            var mine = expected.Where(x => x.Horizon >= first && x.Horizon <= last).ToList();
            var was = before.Buckets.SingleOrDefault(b => b.Symptom == "mood" && b.Horizons == bucket);
            var now = after.Buckets.Single(b => b.Symptom == "mood" && b.Horizons == bucket);
            Assert.Equal(mine.Count, now.ScoredPoints - (was?.ScoredPoints ?? 0));
            if (was is null || was.ScoredPoints == 0)
                Assert.Equal(mine.Average(x => Math.Abs(x.Actual - x.Point.Value)), now.LiveMae!.Value, 2e-3);
        }

        // Offline numbers from the version's release evaluation: the served (personalised) predictor's MAE over the bucket.
        using var release = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Models, "forecast", forecast.ModelVersion!, "release-evaluation.json")));
        var row = release.RootElement.GetProperty("training").EnumerateArray()
            .Single(r => r.GetProperty("symptom").GetString() == "mood" && r.GetProperty("predictor").GetString() == $"personalised_{forecast.ModelVersion}");
        var offline = row.GetProperty("mae_by_horizon").EnumerateArray().Take(7).Average(e => e.GetDouble());
        Assert.Equal(offline, after.Buckets.Single(b => b.Symptom == "mood" && b.Horizons == "1-7").OfflineMae!.Value, 1e-12);
        Assert.Contains("release evaluation", after.OfflineSource);
        Assert.Contains(forecast.ModelVersion!, await fixture.Client.GetGrain<IModelMonitoringRegistryGrain>(0).Versions("forecast"));

        // Observing the same days again (a re-sent batch) scores nothing twice.
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([.. later.Select(Record)])).Status);
        Assert.Equal(expected.Count, Assert.Single((await twin.GetSummary())!.ForecastAccuracy!).ScoredPoints);
    }
}
