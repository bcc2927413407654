using NovaMind.Domain.Forecasting;
using NovaMind.TestInfrastructure;
using System.Text.Json;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using NovaMind.Ml.Forecasting;

namespace NovaMind.Ml.Tests.Forecasting;

/// <summary>The forecast set committed under models/forecast (what the silo serves): loads, batches correctly, answers sensibly.</summary>
public sealed class CommittedForecastSetTests : IDisposable
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);
    private static readonly string ForecastRoot = Path.Combine(RepoPaths.Models, "forecast");
    private readonly SymptomForecaster _model = SymptomForecaster.LoadCurrent(ForecastRoot);

    public void Dispose() => _model.Dispose();

    private static ObservationType Type(string name) => ObservationType.TryParse(name, out var t) ? t : throw new ArgumentException(name);

    [Fact]
    public void The_served_set_covers_every_symptom_for_28_days()
    {
        Assert.Equal(File.ReadAllText(Path.Combine(ForecastRoot, "CURRENT")).Trim(), _model.Version);
        Assert.Equal(["gad7", "mood", "phq9"], _model.Symptoms.Order());
        Assert.Equal(28, _model.MaxHorizon);
    }

    [Fact]
    public void A_mixed_batch_gives_each_request_what_it_gets_alone()
    {
        var cohort = new SymptomCohortSimulator(41).Simulate(9, 100, LastDay);
        var inputs = cohort.Patients.Select((p, i) => _model.Prepare(p.Observations, Type(_model.Symptoms.ElementAt(i % 3)), null)!).ToArray();
        Assert.All(inputs, Assert.NotNull);

        var batched = _model.Predict(inputs);

        for (var i = 0; i < inputs.Length; i++)
        {
            var alone = _model.Predict([inputs[i]])[0];
            for (var h = 0; h < 28; h++)
            {
                Assert.Equal(alone.Transformer[h], batched[i].Transformer[h], 1e-4);
                Assert.Equal(alone.TransformerSd[h], batched[i].TransformerSd[h], 1e-4);
                Assert.Equal(alone.XGBoost[h], batched[i].XGBoost[h], 1e-6);
                Assert.True(batched[i].TransformerSd[h] > 0);
            }
        }
    }

    [Fact]
    public async Task The_global_combination_uses_the_sets_weights_and_intervals()
    {
        // No backtest: what the set learned, applied to this patient's members (the statistical one fitted on its history).
        var patient = new SymptomCohortSimulator(43).Simulate(1, 120, LastDay).Patients[0];
        var global = new PersonalisedForecaster(_model, new NovaMind.Ml.Forecasting.Personalised.PersonalisationOptions { BacktestOrigins = 0 });
        foreach (var symptom in new[] { ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7 })
        {
            var f = (await global.ForecastAsync(patient.Observations, symptom, null, inputs => Task.FromResult(_model.Predict(inputs))))!;
            var e = _model.Ensemble(symptom);
            for (var h = 1; h <= 28; h++)
            {
                var w = e.MemberWeights(h);
                Assert.Equal(1, w.Sum(), 9);
                Assert.Equal(w, f.Personalisation.Weights[h - 1]);
                var mean = w[0] * f.Models.Transformer[h - 1] + w[1] * f.Models.XGBoost[h - 1] + w[2] * f.Statistical![h - 1];
                Assert.Equal(Math.Clamp(mean, symptom.Min, symptom.Max), f.Mean[h - 1], 9);
                var half80 = e.HalfWidth(h, SplitConformal.Level80, Math.Max(f.Models.TransformerSd[h - 1], 1e-6));
                Assert.Equal(Math.Max(mean - half80, symptom.Min), f.Lower80[h - 1], 9);
                Assert.True(f.Lower95[h - 1] <= f.Lower80[h - 1] && f.Upper80[h - 1] <= f.Upper95[h - 1]);
                Assert.InRange(f.Lower95[h - 1], symptom.Min, symptom.Max);
                Assert.InRange(f.Upper95[h - 1], symptom.Min, symptom.Max);
            }
        }
    }

    [Fact]
    public async Task A_patient_steady_at_a_level_is_forecast_near_that_level_and_a_worse_one_worse()
    {
        // 70 days of steady readings (mood 7 vs 3, PHQ-9 and GAD-7 consistent with them), a little day-to-day variation.
        static List<Observation> Steady(double mood, double phq9, double gad7)
        {
            var list = new List<Observation>();
            for (var d = 0; d < 70; d++)
            {
                var t = new DateTimeOffset(LastDay.AddDays(d - 69).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero);
                var wiggle = d % 3 - 1;
                list.Add(new(t, ObservationType.Mood, mood + 0.2 * wiggle));
                list.Add(new(t, ObservationType.Phq9, phq9 + wiggle));
                list.Add(new(t, ObservationType.Gad7, gad7 + wiggle));
                list.Add(new(t.AddHours(-2), ObservationType.SleepHours, 7 + 0.1 * wiggle));
                list.Add(new(t.AddMinutes(-90), ObservationType.HrvMs, 50 + wiggle));
            }
            return list;
        }
        var well = Steady(7, 4, 3);
        var unwell = Steady(3, 18, 14);
        var served = new PersonalisedForecaster(_model, new());

        foreach (var (symptom, wellLevel, unwellLevel) in new[] { (ObservationType.Mood, 7.0, 3.0), (ObservationType.Phq9, 4.0, 18.0), (ObservationType.Gad7, 3.0, 14.0) })
        {
            var a = (await served.ForecastAsync(well, symptom, null, inputs => Task.FromResult(_model.Predict(inputs))))!;
            var b = (await served.ForecastAsync(unwell, symptom, null, inputs => Task.FromResult(_model.Predict(inputs))))!;
            var tolerance = 0.15 * (symptom.Max - symptom.Min);
            Assert.InRange(a.Mean[0], wellLevel - tolerance, wellLevel + tolerance);
            Assert.InRange(b.Mean[0], unwellLevel - tolerance, unwellLevel + tolerance);
            // Higher PHQ-9/GAD-7 and lower mood are worse: the order holds at every horizon.
            for (var h = 0; h < 28; h++)
                Assert.True(symptom == ObservationType.Mood ? a.Mean[h] > b.Mean[h] : a.Mean[h] < b.Mean[h], $"{symptom.Name} h={h + 1}");
        }
    }

    [Fact]
    public void Too_little_history_prepares_nothing_and_an_inconsistent_set_does_not_load()
    {
        var few = Enumerable.Range(0, 10).Select(d => new Observation(new DateTimeOffset(LastDay.AddDays(-d).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero), ObservationType.Mood, 5)).ToList();
        Assert.Null(_model.Prepare(few, ObservationType.Mood, null));

        var dir = Path.Combine(Path.GetTempPath(), "nm-bad-set-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "mood"));
            var served = Path.Combine(ForecastRoot, _model.Version);
            File.Copy(Path.Combine(served, "mood", ForecastEnsembleArtifacts.EnsembleFile), Path.Combine(dir, "mood", ForecastEnsembleArtifacts.EnsembleFile));
            var manifest = ForecastArtifactSet.ReadManifest(served) with { Version = "other", Symptoms = ["mood"] };
            File.WriteAllText(Path.Combine(dir, ForecastArtifactSet.ManifestFile), JsonSerializer.Serialize(manifest, ModelArtifacts.Json));

            var error = Assert.Throws<InvalidDataException>(() => SymptomForecaster.Load(dir));
            Assert.Contains("the manifest says 'mood' version other", error.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
