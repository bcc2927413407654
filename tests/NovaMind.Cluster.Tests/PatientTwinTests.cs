using NovaMind.Contracts;
using NovaMind.Simulation;

namespace NovaMind.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class PatientTwinTests(NovaMindClusterFixture fixture)
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private async Task<(Guid Id, IPatientTwinGrain Twin)> NewPatientAsync()
    {
        var id = Guid.NewGuid();
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(id);
        Assert.True(await twin.Register());
        return (id, twin);
    }

    [Fact]
    public async Task Register_is_idempotent_and_unknown_patients_are_not_found()
    {
        var (_, twin) = await NewPatientAsync();
        Assert.False(await twin.Register());

        var stranger = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        Assert.Null(await stranger.GetSummary());
        Assert.Equal(IngestStatus.PatientNotFound, (await stranger.AddObservations([new(Day, "mood", 5)])).Status);
        Assert.Equal(ForecastStatus.PatientNotFound, (await stranger.GetForecast("mood", 7)).Status);
    }

    [Fact]
    public async Task Observations_survive_deactivation_and_summary_is_computed_from_storage()
    {
        var (id, twin) = await NewPatientAsync();
        var result = await twin.AddObservations(
        [
            new(Day, "mood", 6.5), new(Day.AddDays(1), "mood", 4.0), new(Day, "phq9", 12), new(Day.AddHours(-2), "sleep_hours", 7.25),
        ]);
        Assert.Equal(new IngestResult(IngestStatus.Accepted, 4, 4), result);

        await fixture.Cluster.DeactivateAsync(twin);
        var summary = await fixture.Client.GetGrain<IPatientTwinGrain>(id).GetSummary();

        Assert.NotNull(summary);
        Assert.Equal(4, summary.TotalObservations);
        Assert.Equal(Day.AddHours(-2), summary.FirstObservationAt);
        Assert.Equal(Day.AddDays(1), summary.LastObservationAt);
        var mood = Assert.Single(summary.Types, t => t.Type == "mood");
        Assert.Equal((2, 4.0, Day, Day.AddDays(1)), (mood.Count, mood.LatestValue, mood.First, mood.Last));
        Assert.Equal(12, Assert.Single(summary.Types, t => t.Type == "phq9").LatestValue);
    }

    [Fact]
    public async Task Resending_the_same_reading_replaces_it_instead_of_duplicating()
    {
        var (_, twin) = await NewPatientAsync();
        await twin.AddObservations([new(Day, "mood", 6)]);
        var again = await twin.AddObservations([new(Day, "mood", 7), new(Day.AddDays(1), "mood", 5)]);
        Assert.Equal(2, again.TotalObservations);
        var summary = await twin.GetSummary();
        Assert.Equal(2, summary!.TotalObservations);
    }

    [Fact]
    public async Task An_invalid_batch_changes_nothing()
    {
        var (_, twin) = await NewPatientAsync();
        await twin.AddObservations([new(Day, "mood", 6)]);

        var bad = await twin.AddObservations([new(Day.AddDays(1), "mood", 7), new(Day.AddDays(2), "mood", 11)]);
        Assert.Equal(IngestStatus.Invalid, bad.Status);
        Assert.Contains("outside", bad.Error);
        var unknown = await twin.AddObservations([new(Day.AddDays(1), "weight", 70)]);
        Assert.Equal(IngestStatus.Invalid, unknown.Status);
        var future = await twin.AddObservations([new(DateTimeOffset.UtcNow.AddDays(2), "mood", 5)]);
        Assert.Equal(IngestStatus.Invalid, future.Status);

        Assert.Equal(1, (await twin.GetSummary())!.TotalObservations);
    }

    [Fact]
    public async Task Forecast_needs_enough_history_and_says_how_much()
    {
        var (_, twin) = await NewPatientAsync();
        await twin.AddObservations([.. Enumerable.Range(0, 5).Select(d => new ObservationRecord(Day.AddDays(d), "mood", 5))]);
        var result = await twin.GetForecast("mood", 7);
        Assert.Equal(ForecastStatus.InsufficientHistory, result.Status);
        Assert.Contains("at least 14 observed days", result.Problem);
        Assert.Contains("has 5", result.Problem);
    }

    [Fact]
    public async Task Forecast_starts_the_day_after_the_last_mood_reading_with_ordered_bounds()
    {
        var (_, twin) = await NewPatientAsync();
        var lastDay = new DateOnly(2026, 5, 31);
        var patient = new CohortSimulator(seed: 11).SimulatePatient(0, 60, lastDay);
        await twin.AddObservations([.. patient.Observations.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))]);
        var lastMood = patient.Observations.Where(o => o.Type.Name == "mood").Max(o => o.Time);

        var forecast = await twin.GetForecast("mood", 10);

        Assert.Equal(ForecastStatus.Ok, forecast.Status);
        Assert.Equal(File.ReadAllText(Path.Combine(TestInfrastructure.RepoPaths.Models, "forecast", "CURRENT")).Trim(), forecast.ModelVersion);
        Assert.Equal(10, forecast.Predictions.Length);
        Assert.Equal(DateOnly.FromDateTime(lastMood.UtcDateTime).AddDays(1), forecast.Predictions[0].Date);
        foreach (var p in forecast.Predictions)
        {
            Assert.InRange(p.Value, 0, 10);
            Assert.True(p.Lower95 <= p.Lower80 && p.Lower80 <= p.Value && p.Value <= p.Upper80 && p.Upper80 <= p.Upper95, $"bounds out of order on {p.Date}");
        }
        // Uncertainty grows with the horizon.
        Assert.True(forecast.Predictions[^1].Upper80 - forecast.Predictions[^1].Lower80 > forecast.Predictions[0].Upper80 - forecast.Predictions[0].Lower80);
    }
}
