using NovaMind.Contracts;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using NovaMind.Ml.Forecasting;
using NovaMind.TestInfrastructure;

namespace NovaMind.Cluster.Tests;

/// <summary>Twin → ForecastWorker → silo scheduler → ensemble gives what the ensemble gives when called directly, and twins cache it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ForecastPathTests(NovaMindClusterFixture fixture)
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);

    private async Task<IPatientTwinGrain> TwinOf(SymptomSimulatedPatient p)
    {
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await twin.Register();
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([.. p.Observations.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))])).Status);
        if (p.Parameters.MedicationStart is { } start)
            Assert.Equal(UpdateStatus.Updated, (await twin.SetMedications(new([new("sertraline", 50, start)], []))).Status);
        return twin;
    }

    [Fact]
    public async Task Concurrent_mixed_symptom_forecasts_through_the_cluster_equal_direct_ensemble_calls()
    {
        using var model = SymptomForecaster.LoadCurrent(Path.Combine(RepoPaths.Models, "forecast"));
        var cohort = new SymptomCohortSimulator(seed: 99).Simulate(18, 100, LastDay);
        var symptoms = model.Symptoms.Select(s => { ObservationType.TryParse(s, out var t); return t; }).ToArray();
        var twins = await Task.WhenAll(cohort.Patients.Select(TwinOf));

        var forecasts = await Task.WhenAll(twins.Select((t, i) => t.GetForecast(symptoms[i % symptoms.Length].Name, model.MaxHorizon)));

        for (var i = 0; i < twins.Length; i++)
        {
            var p = cohort.Patients[i];
            var symptom = symptoms[i % symptoms.Length];
            var input = model.Prepare(p.Observations, symptom, p.Parameters.MedicationStart is { } s ? [s] : null);
            Assert.NotNull(input);
            var direct = (await new PersonalisedForecaster(model, new()).ForecastAsync(p.Observations, symptom, p.Parameters.MedicationStart is { } m ? [m] : null,
                inputs => Task.FromResult(model.Predict(inputs))))!;
            var f = forecasts[i];
            Assert.Equal(ForecastStatus.Ok, f.Status);
            Assert.Equal(symptom.Name, f.Symptom);
            Assert.Equal(model.Version, f.ModelVersion);
            Assert.Equal(input.Origin.AddDays(1), f.Predictions[0].Date);
            for (var k = 0; k < model.MaxHorizon; k++)
            {
                // Batched and single Transformer runs may differ in the last float bits; answers are rounded to 3 decimals.
                Assert.InRange(Math.Abs(direct.Mean[k] - f.Predictions[k].Value), 0, 1e-3);
                Assert.InRange(Math.Abs(direct.Lower95[k] - f.Predictions[k].Lower95), 0, 1e-3);
                Assert.InRange(Math.Abs(direct.Upper80[k] - f.Predictions[k].Upper80), 0, 1e-3);
                Assert.InRange(Math.Abs(direct.Models.XGBoost[k] - f.Components!.XGBoost[k]), 0, 1e-3);
                Assert.InRange(Math.Abs(direct.Models.Transformer[k] - f.Components.Transformer[k]), 0, 1e-3);
                Assert.InRange(Math.Abs(direct.Statistical![k] - f.Components.Statistical![k]), 0, 1e-3);
                Assert.InRange(Math.Abs(direct.Personalisation.Weights[k][2] - f.Components.StatisticalWeights[k]), 0, 1e-3);
            }
            Assert.Equal(direct.Personalisation.BacktestOrigins, f.Components!.Personalisation.BacktestOrigins);
            Assert.Equal(direct.Personalisation.Reason, f.Components.Personalisation.Reason);
        }
    }

    [Fact]
    public async Task A_forecast_is_cached_until_observations_or_medications_change()
    {
        var p = new SymptomCohortSimulator(seed: 5).Simulate(1, 90, LastDay).Patients[0];
        var twin = await TwinOf(p);

        var first = await twin.GetForecast("phq9", 7);
        var again = await twin.GetForecast("phq9", 7);
        var longer = await twin.GetForecast("phq9", 10);
        var otherSymptom = await twin.GetForecast("gad7", 7);

        Assert.False(first.FromCache);
        Assert.True(again.FromCache);
        Assert.Equal(first.GeneratedAt, again.GeneratedAt);
        Assert.Equal(first.Predictions, again.Predictions);
        Assert.True(longer.FromCache); // the cache holds every horizon the model covers
        Assert.Equal(first.Predictions, longer.Predictions[..7]);
        Assert.False(otherSymptom.FromCache);

        var lastPhq9 = p.Observations.Where(o => o.Type == ObservationType.Phq9).Max(o => o.Time);
        await twin.AddObservations([new ObservationRecord(lastPhq9.AddDays(1), "phq9", 20)]);
        var afterReading = await twin.GetForecast("phq9", 7);
        Assert.False(afterReading.FromCache);
        Assert.Equal(first.Predictions[0].Date.AddDays(1), afterReading.Predictions[0].Date);

        Assert.True((await twin.GetForecast("phq9", 7)).FromCache);
        await twin.SetMedications(new([new("escitalopram", 10, LastDay.AddDays(-3))], []));
        Assert.False((await twin.GetForecast("phq9", 7)).FromCache);
    }

    [Fact]
    public async Task Biweekly_phq9_is_forecast_from_assessments_read_off_the_patients_line_and_too_few_say_so()
    {
        var p = new SymptomCohortSimulator(12, new SymptomSimulatorOptions { Questionnaires = QuestionnaireCadence.Biweekly })
            .Simulate(1, 150, LastDay).Patients[0];
        var twin = await TwinOf(p);

        var f = await twin.GetForecast("phq9", 28);

        Assert.Equal(ForecastStatus.Ok, f.Status);
        var c = f.Components!;
        Assert.Equal("mood", c.Target); // the members forecast mood; the assessment line maps it to PHQ-9
        var a = c.Assessment!;
        Assert.InRange(a.Assessments, 4, 12);
        Assert.True(a.Slope < 0, $"PHQ-9 falls as mood rises on the simulator: slope {a.Slope}");
        Assert.Equal(f.Predictions[0].Date, DateOnly.FromDateTime(p.Observations.Where(o => o.Type == ObservationType.Mood).Max(o => o.Time).UtcDateTime).AddDays(1));
        for (var k = 0; k < 28; k++)
        {
            var line = Math.Clamp(a.Intercept + a.Slope * a.RecallMood[k], 0, 27);
            Assert.InRange(f.Predictions[k].Value, line - 0.01, line + 0.01);
            Assert.True(f.Predictions[k].Lower95 <= f.Predictions[k].Lower80 && f.Predictions[k].Upper80 <= f.Predictions[k].Upper95);
        }

        // Three assessments are not enough, and the answer counts assessments.
        var few = p.Observations.Where(o => o.Type != ObservationType.Phq9)
            .Concat(p.Observations.Where(o => o.Type == ObservationType.Phq9).TakeLast(3)).ToList();
        var other = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await other.Register();
        await other.AddObservations([.. few.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))]);
        var refused = await other.GetForecast("phq9", 7);
        Assert.Equal(ForecastStatus.InsufficientHistory, refused.Status);
        Assert.Contains(", 3 such assessments, the latest", refused.Problem);
    }

    [Fact]
    public async Task Unknown_symptoms_are_refused_and_short_histories_say_what_is_needed()
    {
        var p = new SymptomCohortSimulator(seed: 6).Simulate(1, 60, LastDay).Patients[0];
        var twin = await TwinOf(p);
        var unknown = await twin.GetForecast("sleep_hours", 7);
        Assert.Equal(ForecastStatus.UnknownSymptom, unknown.Status);
        Assert.Contains("mood, phq9, gad7", unknown.Problem);

        var sparse = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await sparse.Register();
        await sparse.AddObservations([.. p.Observations.Where(o => o.Type == ObservationType.Gad7).TakeLast(9).Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))]);
        var tooShort = await sparse.GetForecast("gad7", 7);
        Assert.Equal(ForecastStatus.InsufficientHistory, tooShort.Status);
        Assert.Contains("needs gad7 on at least 14 of the last 28 days, or, from periodic assessments, at least 4 gad7 assessments", tooShort.Problem);
        Assert.Contains("has gad7 on 9 of the last 28 days, 0 such assessments", tooShort.Problem); // no mood: no assessment has a recall window
    }
}
