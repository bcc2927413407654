using System.Diagnostics;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using NovaMind.Ml.Forecasting;
using Xunit.Abstractions;

namespace NovaMind.Ml.Tests.Forecasting;

public class ForecastFeaturesTests
{
    private static readonly DateOnly Day0 = new(2026, 3, 1); // a Sunday

    private static Observation At(DateOnly day, ObservationType type, double value, int hour = 8) =>
        new(new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero), type, value);

    private static float Feature(float[] f, string name) => f[ForecastFeatures.Names.ToList().IndexOf(name)];

    [Fact]
    public void NamesMatchVectorLength()
    {
        Assert.Equal(61, ForecastFeatures.Count);
        Assert.Equal(ForecastFeatures.Count, ForecastFeatures.Names.Distinct().Count());
        Assert.Equal(ForecastFeatures.Count, ForecastFeatures.Compute([], ObservationType.Mood, Day0).Length);
    }

    [Fact]
    public void HandBuiltSeriesGivesExpectedLagsRollingStatsAndNaNForMissing()
    {
        // Mood on days 0..29 = day index mod 10, except days 27 and 20 missing; day 29 has two readings (mean).
        var obs = new List<Observation>();
        for (var d = 0; d < 30; d++)
        {
            if (d is 27 or 20) continue;
            obs.Add(At(Day0.AddDays(d), ObservationType.Mood, d % 10));
        }
        obs.Add(At(Day0.AddDays(29), ObservationType.Mood, 5, hour: 20)); // day 29: (9 + 5) / 2 = 7
        obs.Add(At(Day0.AddDays(29), ObservationType.SleepHours, 6.5));
        obs.Add(At(Day0.AddDays(27), ObservationType.SleepHours, 8));
        obs.Add(At(Day0.AddDays(29), ObservationType.Phq9, 12));
        obs.Add(At(Day0.AddDays(26), ObservationType.Phq9, 10));
        obs.Add(At(Day0.AddDays(30), ObservationType.Phq9, 27)); // after the origin: never read
        var origin = Day0.AddDays(29);
        var f = ForecastFeatures.Compute(obs, ObservationType.Mood, origin);

        Assert.Equal(7f, Feature(f, "y_t-0"));
        Assert.Equal(8f, Feature(f, "y_t-1"));
        Assert.True(float.IsNaN(Feature(f, "y_t-2")));
        Assert.Equal(6f, Feature(f, "y_t-3"));
        Assert.True(float.IsNaN(Feature(f, "y_t-9")));  // day 20
        Assert.Equal(6f, Feature(f, "y_t-13")); // day 16

        // 7-day window = days 23..29 without 27: 3, 4, 5, 6, 8, 7.
        float[] w7 = [3, 4, 5, 6, 8, 7];
        Assert.Equal(w7.Average(), Feature(f, "y_mean7"), 5);
        var mean7 = w7.Average();
        Assert.Equal(Math.Sqrt(w7.Select(v => (v - mean7) * (v - mean7)).Average()), Feature(f, "y_sd7"), 4);
        Assert.Equal(3f, Feature(f, "y_min7"));
        Assert.Equal(8f, Feature(f, "y_max7"));

        // 28-day window = days 2..29 without 20 and 27: 26 observed days.
        var w28 = Enumerable.Range(2, 28).Where(d => d is not (20 or 27)).Select(d => d == 29 ? 7f : d % 10).ToArray();
        Assert.Equal(w28.Average(), Feature(f, "y_mean28"), 4);
        Assert.Equal(0f, Feature(f, "y_min28"));
        Assert.Equal(9f, Feature(f, "y_max28"));
        Assert.Equal(26f / 28f, Feature(f, "y_observed_frac28"), 6);
        Assert.Equal(0f, Feature(f, "y_days_since_last"));

        var all = Enumerable.Range(0, 30).Where(d => d is not (20 or 27)).Select(d => d == 29 ? 7f : d % 10).Order().ToArray();
        Assert.Equal((all[13] + all[14]) / 2, Feature(f, "y_level_median"));

        // Day 30 (t+1) is 2026-03-31, a Tuesday → 1.
        Assert.Equal(1f, Feature(f, "next_dow"));
        Assert.Equal((float)Math.Sin(2 * Math.PI / 7), Feature(f, "next_dow_sin"), 6);

        Assert.Equal(6.5f, Feature(f, "sleep_hours_t-0"));
        Assert.True(float.IsNaN(Feature(f, "sleep_hours_t-1")));
        Assert.Equal(8f, Feature(f, "sleep_hours_t-2"));
        Assert.Equal(7.25f, Feature(f, "sleep_hours_mean7"));
        Assert.True(float.IsNaN(Feature(f, "hrv_ms_t-0")));
        Assert.True(float.IsNaN(Feature(f, "steps_mean7")));
        Assert.True(float.IsNaN(Feature(f, "days_since_medication_change")));

        // Companions of mood: co1 = phq9, co2 = gad7 (none here).
        Assert.Equal(["phq9", "gad7"], ForecastFeatures.Companions(ObservationType.Mood).Select(c => c.Name));
        Assert.Equal(["mood", "gad7"], ForecastFeatures.Companions(ObservationType.Phq9).Select(c => c.Name));
        Assert.Equal(12f, Feature(f, "co1_t-0"));
        Assert.True(float.IsNaN(Feature(f, "co1_t-1")));
        Assert.Equal(10f, Feature(f, "co1_t-3"));
        Assert.Equal(11f, Feature(f, "co1_mean7"));
        Assert.Equal(11f, Feature(f, "co1_mean28"));
        Assert.True(float.IsNaN(Feature(f, "co2_t-0")));
        Assert.True(float.IsNaN(Feature(f, "co2_mean28")));

        // Origin one day after the last reading: everything shifts, the gap shows.
        var later = ForecastFeatures.Compute(obs, ObservationType.Mood, origin.AddDays(1));
        Assert.True(float.IsNaN(Feature(later, "y_t-0")));
        Assert.Equal(7f, Feature(later, "y_t-1"));
        Assert.Equal(1f, Feature(later, "y_days_since_last"));

        var withMedication = ForecastFeatures.Compute(obs, ObservationType.Mood, origin, [Day0.AddDays(10), Day0.AddDays(25), Day0.AddDays(40)]);
        Assert.Equal(4f, Feature(withMedication, "days_since_medication_change"));

        var features = new ForecastFeatures(obs, ObservationType.Mood);
        Assert.Equal(8f, features.Target(Day0.AddDays(27), 1));
        Assert.True(float.IsNaN(features.Target(Day0.AddDays(26), 1)));
    }

    [Fact]
    public void FeaturesAtOriginNeverUseLaterDays()
    {
        var patient = new CohortSimulator(7).SimulatePatient(0, 90, new DateOnly(2026, 6, 30));
        var origin = new DateOnly(2026, 6, 1);
        var before = ForecastFeatures.Compute(patient.Observations, ObservationType.Mood, origin);

        // Spikes on t+1 and beyond in every stream, plus a medication start after t.
        var spiked = patient.Observations.ToList();
        for (var d = 1; d <= 10; d++)
            foreach (var type in ObservationType.All)
                spiked.Add(At(origin.AddDays(d), type, type.Max, hour: 1));
        var after = ForecastFeatures.Compute(spiked, ObservationType.Mood, origin, [origin.AddDays(1)]);

        Assert.Equal(before, after); // element-wise, NaN equal to NaN
        Assert.NotEqual(
            new ForecastFeatures(patient.Observations, ObservationType.Mood).Target(origin, 1),
            new ForecastFeatures(spiked, ObservationType.Mood).Target(origin, 1));
    }
}

/// <summary>One small cohort, one search and one final training, shared by the tests below.</summary>
public sealed class XGBoostForecastFixture : IDisposable
{
    public const int Horizon = 14;
    public const int TrainPatients = 24;

    public XGBoostForecastFixture()
    {
        var lastDay = new DateOnly(2026, 6, 30);
        Cohort = new CohortSimulator(20261201).Simulate(TrainPatients + 10, 150, lastDay);
        Data = ForecastDataset.Build(Cohort.Select(p => new ForecastPatient(p.Index, p.Observations)), ObservationType.Mood, Horizon);
        TrainRows = Data.RowsOfPatients(p => p < TrainPatients);
        TestRows = Data.RowsOfPatients(p => p >= TrainPatients);
        var train = ForecastDataset.Build(Cohort.Take(TrainPatients).Select(p => new ForecastPatient(p.Index, p.Observations)), ObservationType.Mood, Horizon);
        Options = new XGBoostForecastOptions { MaxHorizon = Horizon, MaxRounds = 200, EarlyStoppingRounds = 15 };
        SearchOptions = new XGBoostSearchOptions { Evaluations = 5, InitialRandomPoints = 3, Folds = 2, TuningHorizons = [1, 7, 14] };
        var stopwatch = Stopwatch.StartNew();
        (Forecaster, Search) = XGBoostHyperparameterSearch.TuneAndTrain(train, Options, SearchOptions, ObservationType.Mood.Name);
        TrainingTime = stopwatch.Elapsed;
        TrainData = train;
    }

    public IReadOnlyList<SimulatedPatient> Cohort { get; }
    public ForecastDataset Data { get; }
    public ForecastDataset TrainData { get; }
    public int[] TrainRows { get; }
    public int[] TestRows { get; }
    public XGBoostForecastOptions Options { get; }
    public XGBoostSearchOptions SearchOptions { get; }
    public XGBoostDirectForecaster Forecaster { get; }
    public XGBoostSearchResult Search { get; }
    public TimeSpan TrainingTime { get; }

    public void Dispose() => Forecaster.Dispose();
}

public class XGBoostDirectForecasterTests(XGBoostForecastFixture fixture, ITestOutputHelper output) : IClassFixture<XGBoostForecastFixture>
{
    [Fact]
    public void FoldsAreExpandingAndRespectTheGap()
    {
        var origins = fixture.TrainData.Origins;
        var folds = RollingOriginFolds.Create(origins, 3, gapDays: 14);
        Assert.Equal(3, folds.Count);
        for (var k = 0; k < folds.Count; k++)
        {
            var fold = folds[k];
            Assert.NotEmpty(fold.TrainRows);
            Assert.NotEmpty(fold.ValidationRows);
            var lastTrain = fold.TrainRows.Max(r => origins[r]);
            var firstValidation = fold.ValidationRows.Min(r => origins[r]);
            Assert.True(firstValidation.DayNumber - lastTrain.DayNumber > 14, $"fold {k}: {lastTrain} → {firstValidation}");
            Assert.All(fold.ValidationRows, r => Assert.InRange(origins[r], fold.ValidationStart, fold.ValidationEnd));
            if (k > 0)
            {
                Assert.True(fold.TrainRows.Length > folds[k - 1].TrainRows.Length);
                Assert.True(fold.ValidationStart > folds[k - 1].ValidationEnd);
            }
        }
        Assert.Throws<ArgumentException>(() => RollingOriginFolds.Create(origins, 3, gapDays: 400));
    }

    [Fact]
    public void SearchReturnsTheBestOfItsTrialsWithinBudget()
    {
        var search = fixture.Search;
        output.WriteLine($"search: {search.Trials.Count} trials, {search.BoostersTrained} boosters, {search.Elapsed.TotalSeconds:F1} s; total with final training {fixture.TrainingTime.TotalSeconds:F1} s");
        foreach (var t in search.Trials) output.WriteLine($"  {t.Value:F4}  {string.Join(", ", t.Parameters.Select(p => $"{p.Key}={p.Value:G3}"))}");
        Assert.Equal(fixture.SearchOptions.Evaluations, search.Trials.Count);
        Assert.True(search.BoostersTrained <= fixture.SearchOptions.Evaluations * search.Folds * search.TuningHorizons.Count);
        var best = search.Trials.MinBy(t => t.Value)!;
        Assert.Equal(best.Value, search.BestScore);
        Assert.Equal(XGBoostHyperparameters.FromSearchPoint(best.Parameters), search.Best);
        Assert.Equal(search.Best, fixture.Forecaster.Hyperparameters);
        Assert.All(search.Trials, t => Assert.InRange(t.Parameters["max_depth"], 2, 8));
    }

    [Fact]
    public void TunedForecasterBeatsLastValueOnHeldOutPatients()
    {
        var data = fixture.Data;
        var rows = fixture.TestRows;
        var x = rows.SelectMany(r => data.FeatureRow(r).ToArray()).ToArray();
        var predictions = fixture.Forecaster.Predict(x, rows.Length);
        var h = fixture.Forecaster.MaxHorizon;
        foreach (var horizon in new[] { 1, 3, 7, 14 })
        {
            double model = 0, last = 0;
            var n = 0;
            for (var i = 0; i < rows.Length; i++)
            {
                var y = data.Target(rows[i], horizon);
                if (float.IsNaN(y)) continue;
                // Last value computed independently of the features: the patient's mood on the origin day.
                var patient = fixture.Cohort[data.Patients[rows[i]]];
                var lastValue = DailySeries.Build(patient.Observations, ObservationType.Mood, data.Origins[rows[i]], 1);
                Assert.True(lastValue.Observed[0]);
                model += Math.Abs(predictions[i * h + horizon - 1] - y);
                last += Math.Abs(lastValue.Values[0] - y);
                n++;
            }
            output.WriteLine($"h={horizon,2}: MAE model {model / n:F3}  last value {last / n:F3}  (n={n})");
            if (horizon is 1 or 7 or 14) Assert.True(model < last, $"horizon {horizon}: model {model / n:F3} ≥ last value {last / n:F3}");
        }
    }

    [Fact]
    public void TrainingIsDeterministicForASeed()
    {
        var options = fixture.Options with { MaxHorizon = 2, MaxRounds = 60 };
        var hp = XGBoostHyperparameters.Default with { Subsample = 0.7, ColsampleByTree = 0.7 };
        using var a = XGBoostDirectForecaster.Train(fixture.TrainData, hp, options, "mood");
        using var b = XGBoostDirectForecaster.Train(fixture.TrainData, hp, options, "mood");
        var x = fixture.Data.Features.AsSpan(0, 100 * ForecastFeatures.Count);
        Assert.Equal(a.Predict(x, 100).Select(BitConverter.SingleToInt32Bits), b.Predict(x, 100).Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(a.BestIterations, b.BestIterations);
    }

    [Fact]
    public void SaveAndLoadGiveBitIdenticalPredictions()
    {
        var dir = Path.Combine(Path.GetTempPath(), "novamind-xgbf-" + Guid.NewGuid().ToString("N"));
        try
        {
            fixture.Forecaster.Save(dir);
            Assert.Equal(XGBoostForecastFixture.Horizon, Directory.GetFiles(dir, "horizon_*.ubj").Length);
            using var loaded = XGBoostDirectForecaster.Load(dir);
            var rows = fixture.TestRows.Take(200).ToArray();
            var x = rows.SelectMany(r => fixture.Data.FeatureRow(r).ToArray()).ToArray();
            var before = fixture.Forecaster.Predict(x, rows.Length);
            var after = loaded.Predict(x, rows.Length);
            Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), after.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(fixture.Forecaster.BestIterations, loaded.BestIterations);
            Assert.Equal(fixture.Forecaster.Hyperparameters, loaded.Hyperparameters);
            Assert.Equal(ForecastFeatures.Names, loaded.FeatureNames);
            Assert.Equal(before.AsSpan(0, h(loaded)).ToArray(), loaded.Predict(x.AsSpan(0, ForecastFeatures.Count)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }

        static int h(XGBoostDirectForecaster f) => f.MaxHorizon;
    }
}
