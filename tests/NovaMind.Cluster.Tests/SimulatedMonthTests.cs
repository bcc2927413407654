using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using NovaMind.TestInfrastructure;
using Xunit.Abstractions;

namespace NovaMind.Cluster.Tests;

/// <summary>
/// Issue 16's "done when": a simulated month of use — a cohort of twins ingesting every day and serving a forecast every
/// day — produces live accuracy that matches the served version's offline report within its uncertainty. Patients from
/// the training simulator on a seed used for nothing else, simulated on a fixed calendar and moved forward by whole weeks
/// so the month ends in the last seven days (the same data and forecasts on every run; every day is over, so it is scored
/// as soon as it is ingested). The comparison is per patient (points from one patient are correlated): the mean of the
/// patients' live MAEs with a t interval, against the release evaluation's MAE at the same horizons weighted as the month
/// scored them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SimulatedMonthTests(NovaMindClusterFixture fixture, ITestOutputHelper output)
{
    private const int Patients = 16, HistoryDays = 120, MonthDays = 30, Horizon = 7;

    [Fact]
    public async Task A_month_of_daily_use_scores_forecasts_as_well_as_the_offline_report_says()
    {
        // The cohort is simulated on a fixed calendar and moved forward by whole weeks so that the month ends within the
        // last seven days: the same weekdays, so the same data and forecasts whatever the date the test runs on.
        var simulatedLastDay = new DateOnly(2026, 6, 30);
        var weeks = (DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1).DayNumber - simulatedLastDay.DayNumber) / 7;
        var shift = TimeSpan.FromDays(7 * weeks);
        var lastDay = simulatedLastDay.AddDays(7 * weeks);
        var firstMonthDay = lastDay.AddDays(-(MonthDays - 1));
        var cohort = new SymptomCohortSimulator(seed: 1801).Simulate(Patients, HistoryDays + MonthDays, simulatedLastDay).Patients;
        ObservationRecord Record(Observation o) => new(o.Time + shift, o.Type.Name, o.Value);
        DateOnly DayOf(Observation o) => DateOnly.FromDateTime((o.Time + shift).UtcDateTime);

        var twins = new IPatientTwinGrain[Patients];
        string? version = null;
        for (var i = 0; i < Patients; i++)
        {
            twins[i] = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
            await twins[i].Register();
            Assert.Equal(IngestStatus.Accepted, (await twins[i].AddObservations([.. cohort[i].Observations.Where(o => DayOf(o) < firstMonthDay).Select(Record)])).Status);
        }
        for (var day = firstMonthDay; day <= lastDay; day = day.AddDays(1))
        {
            var today = day;
            await Task.WhenAll(Enumerable.Range(0, Patients).Select(async i =>
            {
                // The day's readings arrive (scoring yesterday's forecasts), then the day's forecast is served.
                Assert.Equal(IngestStatus.Accepted, (await twins[i].AddObservations([.. cohort[i].Observations.Where(o => DayOf(o) == today).Select(Record)])).Status);
                var forecast = await twins[i].GetForecast("mood", Horizon);
                Assert.Equal(ForecastStatus.Ok, forecast.Status);
                version ??= forecast.ModelVersion;
            }));
        }

        var patients = new List<(double Mae, long Points)>();
        foreach (var twin in twins)
        {
            var mood = (await twin.GetSummary())!.ForecastAccuracy!.Single(a => a.Symptom == "mood");
            patients.Add((mood.Mae!.Value, mood.ScoredPoints));
        }
        // Each patient: forecasts from 30 origins, horizon h scored where the day was in the month and mood was observed.
        Assert.All(patients, p => Assert.InRange(p.Points, 120, MonthDays * Horizon));
        var mean = patients.Average(p => p.Mae);
        var sd = Math.Sqrt(patients.Sum(p => (p.Mae - mean) * (p.Mae - mean)) / (Patients - 1));
        var halfWidth = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, Patients - 1, 0.975) * sd / Math.Sqrt(Patients);

        // Offline: the release evaluation's served predictor on the training simulator, horizons weighted as scored here
        // (horizon h from the month's first 30 − h + 1 origins).
        using var release = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Models, "forecast", version!, "release-evaluation.json")));
        var byHorizon = release.RootElement.GetProperty("training").EnumerateArray()
            .Single(r => r.GetProperty("symptom").GetString() == "mood" && r.GetProperty("predictor").GetString() == $"personalised_{version}")
            .GetProperty("mae_by_horizon").EnumerateArray().Take(Horizon).Select(e => e.GetDouble()).ToArray();
        var offline = Enumerable.Range(1, Horizon).Sum(h => (MonthDays - h + 1) * byHorizon[h - 1]) / Enumerable.Range(1, Horizon).Sum(h => MonthDays - h + 1);

        output.WriteLine($"live MAE over the month {mean:F3} ± {halfWidth:F3} (95 %, {Patients} patients, {patients.Sum(p => p.Points)} points) vs offline {offline:F3}");
        Assert.True(Math.Abs(mean - offline) <= halfWidth,
            $"live MAE over the month {mean:F3} ± {halfWidth:F3} (95 %, {Patients} patients) vs offline {offline:F3}");
        // The operator view agrees: the version is not flagged for mood's first week.
        await fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<NovaMind.Grains.Monitoring.LiveAccuracyAggregator>().FlushAsync();
        var view = await fixture.Client.GetGrain<IForecastAccuracyGrain>(version!).Snapshot();
        Assert.False(view.Buckets.Single(b => b.Symptom == "mood" && b.Horizons == "1-7").Flagged);
    }
}
