using System.Text.Json;
using NovaMind.Domain.Observations;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Forecasting.Monitoring;

namespace NovaMind.Ml.Tests.Forecasting;

public class EnsembleMathTests
{
    // The three-member weight search on two members: the statistical member's forecasts are planted 100 off, so every
    // answer keeps its weight at 0 and the known two-member answers apply unchanged.
    private static double[][] Far(double[][] y) => [.. y.Select(r => r.Select(v => double.IsNaN(v) ? 0 : v + 100).ToArray())];

    [Fact]
    public void BestWeightFindsTheMaeMinimisingMix()
    {
        // y = 0.25·a + 0.75·b exactly: the weight of a is 0.25 and the MAE there is 0.
        double[] a = [1, 4, 2, 8, 0];
        double[] b = [3, 0, 6, 4, 2];
        var points = a.Select((x, i) => (x, b[i], 1000.0, 0.25 * x + 0.75 * b[i])).ToList();
        var (w, mae) = NovaMind.Ml.Forecasting.Personalised.PersonalisedCombination.BestWeights(points, [0.7, 0.3, 0], statistical: true, step: 0.05);
        Assert.Equal(0.25, w[0], 9);
        Assert.Equal(0.75, w[1], 9);
        Assert.Equal(0, w[2], 9);
        Assert.Equal(0, mae, 9);
    }

    [Fact]
    public void BestWeightPicksTheBetterModelWhenMixingDoesNotHelp()
    {
        // a is exact, b is off by +1 everywhere: w = 1; NaN targets are skipped.
        double[][] y = [[1], [2], [double.NaN], [4]];
        double[][] a = [[1], [2], [100], [4]];
        double[][] b = [[2], [3], [-100], [5]];
        var w = ForecastEnsembleMath.PooledSimplexWeights(a, b, Far(y), y, [0.7, 0.3, 0], radius: 0);
        Assert.Equal([1, 0, 0], w[0]);
        Assert.Equal(0, ForecastEnsembleMath.MeanMae(a, b, Far(y), y, w), 9);
        Assert.Equal(1, ForecastEnsembleMath.MeanMae(a, b, Far(y), y, [[0, 1, 0]]), 9);
    }

    [Fact]
    public void PooledWeightsFitEachHorizonOnItsNeighbours()
    {
        // Three horizons, two rows. Horizons 1 and 3: a exact, b off by 1. Horizon 2: b exact, a off by 1.5.
        double[][] y = [[0, 0, 0], [1, 1, 1]];
        var a = y.Select(r => new[] { r[0], r[1] + 1.5, r[2] }).ToArray();
        var b = y.Select(r => new[] { r[0] + 1, r[1], r[2] + 1 }).ToArray();
        double[] prior = [0.7, 0.3, 0];
        // Alone, each horizon takes its better model.
        Assert.Equal([[1, 0, 0], [0, 1, 0], [1, 0, 0]], ForecastEnsembleMath.PooledSimplexWeights(a, b, Far(y), y, prior, radius: 0));
        // Pooled: horizon 1 sees horizons 1–2, total error 2(1 − w) + 3w = 2 + w → w = 0; horizon 2 sees all three,
        // 4(1 − w) + 3w = 4 − w → w = 1; horizon 3 mirrors horizon 1.
        Assert.Equal([[0, 1, 0], [1, 0, 0], [0, 1, 0]], ForecastEnsembleMath.PooledSimplexWeights(a, b, Far(y), y, prior, radius: 1));
    }

    [Fact]
    public void ShrinkMovesWeightsTowardThePrior()
    {
        double[] prior = [0.7, 0.3, 0];
        Assert.Equal([[0.35, 0.65, 0], [0.85, 0.15, 0]], ForecastEnsembleMath.ShrinkSimplex([[0, 1, 0], [1, 0, 0]], prior, 0.5));
        Assert.Equal([[0, 1, 0], [1, 0, 0]], ForecastEnsembleMath.ShrinkSimplex([[0, 1, 0], [1, 0, 0]], prior, 0));
        Assert.Equal([[0.7, 0.3, 0], [0.7, 0.3, 0]], ForecastEnsembleMath.ShrinkSimplex([[0, 1, 0], [1, 0, 0]], prior, 1));
        // horizon 1: 0.5·1 + 0.5·3 = 2 (exact); horizon 2: a = 2 against 5 → 3.
        Assert.Equal(1.5, ForecastEnsembleMath.MeanMae([[1, 2]], [[3, 2]], [[0, 0]], [[2, 5]], [[0.5, 0.5, 0], [1, 0, 0]]), 9);
    }

    [Fact]
    public void CrossFittingKeepsThePriorWhenTheHalvesDisagree()
    {
        // One horizon; a − b = 1 on every row. Rows 0–1: y = a (fitted w = 1); rows 2–3: y = b (fitted w = 0).
        double[][] a = [[1], [2], [3], [4]];
        double[][] b = [.. a.Select(r => new[] { r[0] - 1 })];
        double[][] y = [a[0], a[1], b[2], b[3]];
        double[] lambdas = [0, 0.5, 1];
        // λ = 0 scores each half with the other's opposite weight (MAE 1); λ = 0.5 gives w = 0.75 / 0.25 (MAE 0.75);
        // λ = 1 the prior 0.5 (MAE 0.5).
        var (lambda, scores) = ForecastEnsembleMath.ChooseSimplexShrinkage(a, b, Far(y), y, [[0, 1], [2, 3]], [0.5, 0.5, 0], lambdas, radius: 0);
        Assert.Equal(1, lambda);
        Assert.Equal([1, 0.75, 0.5], scores.Select(v => Math.Round(v, 9)));
    }

    [Fact]
    public void CrossFittingKeepsTheFittedWeightsWhenTheHalvesAgree()
    {
        // y = a everywhere: both halves fit w = 1; shrinking toward 0.5 only adds error (λ·0.5 per point).
        double[][] a = [[1], [2], [3], [4]];
        double[][] b = [.. a.Select(r => new[] { r[0] - 1 })];
        var (lambda, scores) = ForecastEnsembleMath.ChooseSimplexShrinkage(a, b, Far(a), a, [[0, 2], [1, 3]], [0.5, 0.5, 0], [0, 0.5, 1], radius: 0);
        Assert.Equal(0, lambda);
        Assert.Equal([0, 0.25, 0.5], scores.Select(v => Math.Round(v, 9)));
        // The prior equal to the fitted weights: every λ scores the same, and the tie goes to the prior.
        Assert.Equal(1, ForecastEnsembleMath.ChooseSimplexShrinkage(a, b, Far(a), a, [[0, 2], [1, 3]], [1, 0, 0], [0, 0.5, 1], radius: 0).Lambda);
    }

    [Fact]
    public void SeasonalNaiveUsesTheSameWeekdayOfTheLastObservedWeek()
    {
        var series = Enumerable.Range(0, 30).Select(d => (double)d).ToArray();
        // origin t = 20: h = 1 → day 14, h = 7 → day 20, h = 8 → day 14, h = 14 → day 20.
        Assert.Equal(14, ForecastEnsembleMath.SeasonalNaive(series, 20, 1));
        Assert.Equal(20, ForecastEnsembleMath.SeasonalNaive(series, 20, 7));
        Assert.Equal(14, ForecastEnsembleMath.SeasonalNaive(series, 20, 8));
        Assert.Equal(20, ForecastEnsembleMath.SeasonalNaive(series, 20, 14));
        series[14] = double.NaN; // missing → last observed before it
        Assert.Equal(13, ForecastEnsembleMath.SeasonalNaive(series, 20, 1));
        Assert.Equal(20, ForecastEnsembleMath.LastObserved(series, 20));
    }

    [Fact]
    public void MaseScaleIsTheMeanAbsoluteWeeklyDifference()
    {
        // y_d = d: every weekly difference is 7.
        var linear = Enumerable.Range(0, 21).Select(d => (double)d).ToArray();
        Assert.Equal(7, ForecastEnsembleMath.MaseScale(linear, 21), 9);
        // a pure weekly pattern: differences 0; one outlier at day 10 changes |y10 − y3| and |y17 − y10| by 14 each.
        var weekly = Enumerable.Range(0, 21).Select(d => (double)(d % 7)).ToArray();
        Assert.Equal(0, ForecastEnsembleMath.MaseScale(weekly, 21), 9);
        weekly[10] += 14;
        Assert.Equal(28.0 / 14, ForecastEnsembleMath.MaseScale(weekly, 21), 9);
        Assert.Equal(14.0 / 4, ForecastEnsembleMath.MaseScale(weekly, 11), 9); // only d = 7..10 before end
    }
}

public sealed class TinyEnsembleFixture : IDisposable
{
    public TinyEnsembleFixture()
    {
        Options = new ForecastEnsembleOptions
        {
            Version = "test",
            Patients = 16,
            Days = 110,
            TrainFraction = 0.5,
            ValidationFraction = 0.25,
            Horizon = 7,
            Symptoms = [ObservationType.Mood],
            ValidationStride = 2,
            TrainStride = 2,
            FanChartPatients = 2,
            XGBoost = new XGBoostForecastOptions { MaxHorizon = 7, MaxRounds = 40, EarlyStoppingRounds = 5 },
            XGBoostSearch = new XGBoostSearchOptions { Evaluations = 2, InitialRandomPoints = 2, Folds = 2, TuningHorizons = [1, 7] },
            Transformer = new TransformerForecastOptions { MaxHorizon = 7, Window = 28, MaxEpochs = 2, ModelDim = 16, Heads = 2 },
            TransformerCandidates = [new TransformerCandidate(16, 1)],
        };
        Result = new ForecastEnsembleTrainer(Options).Train();
        SetDirectory = Path.Combine(Path.GetTempPath(), "nm-ensemble-" + Guid.NewGuid().ToString("N"));
        ForecastArtifactSet.Write(SetDirectory, [Result], _ => [1, 2, 3], _ => [4, 5]);
    }

    public ForecastEnsembleOptions Options { get; }
    public ForecastEnsembleResult Result { get; }
    public string SetDirectory { get; }
    public string Directory => ForecastArtifactSet.SymptomDirectory(SetDirectory, "mood");

    public void Dispose()
    {
        Result.Dispose();
        try { System.IO.Directory.Delete(SetDirectory, true); } catch (IOException) { }
    }
}

public class EnsembleEndToEndTests(TinyEnsembleFixture fixture) : IClassFixture<TinyEnsembleFixture>
{
    [Fact]
    public void ReportHasEveryPredictorAndHorizon()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixture.Directory, ForecastEnsembleArtifacts.ReportJsonFile)));
        var root = doc.RootElement;
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], root.GetProperty("horizons").EnumerateArray().Select(e => e.GetInt32()));
        var mae = root.GetProperty("mae");
        foreach (var p in new[] { "ensemble", "transformer", "xgboost", "fixed_ensemble", "seasonal_naive", "last_value", "oracle" })
        {
            var values = mae.GetProperty(p).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(7, values.Length);
            Assert.All(values, v => Assert.True(v > 0 && double.IsFinite(v), $"{p}: {v}"));
        }
        foreach (var level in new[] { "80", "95" })
        {
            var c = root.GetProperty("coverage").GetProperty(level).GetDouble();
            Assert.InRange(c, 0, 1);
        }
        Assert.Equal(5, root.GetProperty("targets").GetArrayLength());
        var fp16 = root.GetProperty("fp16");
        Assert.Equal(7, fp16.GetProperty("mae_fp16").GetArrayLength());
        Assert.InRange(fp16.GetProperty("max_abs_diff").GetDouble(), 0, 0.1);
        Assert.StartsWith("cpu_", fp16.GetProperty("method").GetString());
        // A symptom folder holds exactly what serving loads plus its report and plots.
        Assert.Equal(["ensemble.json", "error_by_horizon.png", "fan_chart.png", "reference.json", "report.json", "report.md"],
            System.IO.Directory.GetFiles(fixture.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["transformer", "xgboost"], System.IO.Directory.GetDirectories(fixture.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var f in new[] { "manifest.json", "MODEL_CARD.md", "report.md", "report.json" })
            Assert.True(File.Exists(Path.Combine(fixture.SetDirectory, f)), f);
        Assert.Contains("](mood/report.md)", File.ReadAllText(Path.Combine(fixture.SetDirectory, "report.md")));
    }

    [Fact]
    public void The_drift_reference_holds_the_training_rows_bins_and_the_held_out_forecasts_bins()
    {
        var reference = ForecastDriftReference.Load(fixture.Directory)!;
        var result = fixture.Result.DriftReference!;
        Assert.Equal("mood", reference.Symptom);
        Assert.Equal(ForecastDriftReference.MonitoredInputs, reference.Inputs.Select(r => r.Name));
        Assert.Equal(["forecast_h1", "forecast_h7"], reference.Predictions.Select(r => r.Name));
        // Round trip: what serving loads is what training built.
        for (var i = 0; i < reference.Inputs.Count; i++)
        {
            Assert.Equal(result.Inputs[i].Edges, reference.Inputs[i].Edges);
            Assert.Equal(result.Inputs[i].Shares, reference.Inputs[i].Shares);
            Assert.Equal(1.0, reference.Inputs[i].Shares.Sum(), 9);
        }
        var sleep = reference.Inputs.Single(r => r.Name == "sleep_hours_mean7");
        // One value per training origin with a week of sleep readings (NaN rows, no readings that week, are left out).
        Assert.InRange(sleep.Count, 100, (int)fixture.Result.Report.Data["xgboost_training_origins"]);
        Assert.InRange(sleep.Edges[4], 5, 9); // the median week of sleep: the simulator's nights centre near 7 h
    }

    [Fact]
    public void Monitored_inputs_are_read_from_the_named_feature_columns()
    {
        var row = new float[ForecastFeatures.Count];
        for (var i = 0; i < row.Length; i++) row[i] = i;
        var values = ForecastDriftReference.InputValues(row);
        var names = ForecastFeatures.Names.ToList();
        Assert.Equal(ForecastDriftReference.MonitoredInputs.Select(n => (double)names.IndexOf(n)), values);
        Assert.Equal([3.5, 7.25], ForecastDriftReference.PredictionValues([3.5, 0, 0, 0, 0, 0, 7.25, 9]));
    }

    [Fact]
    public void WeightsArePooledThenShrunkTowardTheFixedWeight()
    {
        var r = fixture.Result.Report;
        Assert.Contains(r.WeightShrinkage, fixture.Options.ShrinkageCandidates);
        Assert.Equal(fixture.Options.ShrinkageCandidates.Count, r.ShrinkageSelection.Count);
        double[] prior = [fixture.Options.FixedTransformerWeight, 1 - fixture.Options.FixedTransformerWeight, 0];
        var pooled = r.PooledTransformerWeights.Select((t, h) => new[] { t, 1 - t - r.PooledStatisticalWeights![h], r.PooledStatisticalWeights[h] }).ToList();
        var expected = ForecastEnsembleMath.ShrinkSimplex(pooled, prior, r.WeightShrinkage);
        Assert.Equal(expected.Select(w => w[0]), r.TransformerWeights);
        Assert.Equal(expected.Select(w => w[0]), fixture.Result.Ensemble.TransformerWeights);
        Assert.Equal(expected.Select(w => w[2]), fixture.Result.Ensemble.StatisticalWeights!);
        Assert.Equal(fixture.Options.Transformer.Window - 1, (int)r.Data["validation_origins_from_day"]);
    }

    [Fact]
    public void LearnedWeightsAreNoWorseThanTheWorseModelOnValidation()
    {
        // Pooled and shrunk weights are no longer each horizon's validation optimum, so the ensemble can trail the better
        // model at a horizon; a convex mix can never trail the worse one (MAE is convex in the weight).
        var v = fixture.Result.Report.ValidationMae;
        for (var h = 0; h < 7; h++)
            Assert.True(v["ensemble"][h] <= new[] { v["transformer"][h], v["xgboost"][h], v["statistical"][h] }.Max() + 1e-9, $"h={h + 1}");
        Assert.All(fixture.Result.Ensemble.TransformerWeights, w => Assert.InRange(w, 0, 1));
        Assert.All(fixture.Result.Report.CoverageByHorizon.Values.SelectMany(x => x), c => Assert.InRange(c, 0, 1));
    }

    [Fact]
    public void ArtifactsRoundTrip()
    {
        var dir = fixture.Directory;
        using var xgb = XGBoostDirectForecaster.Load(Path.Combine(dir, "xgboost"));
        using var tf = TransformerForecaster.Load(Path.Combine(dir, "transformer"));
        var ensemble = ForecastEnsembleArtifacts.LoadEnsemble(dir);
        Assert.Equal(fixture.Result.Ensemble.TransformerWeights, ensemble.TransformerWeights);
        Assert.Equal(fixture.Result.Ensemble.ConformalScheme, ensemble.ConformalScheme);

        var sample = fixture.Result.Sample;
        var patient = fixture.Result.Cohort.Patients[sample.Patient];
        var features = ForecastFeatures.Compute(patient.Observations, ObservationType.Mood, sample.Origin, ForecastEnsembleTrainer.MedicationStarts(patient));
        Assert.Equal(sample.XGBoost, xgb.Predict(features));
        var window = new SequenceWindowBuilder(patient.Index, patient.Observations, ObservationType.Mood, fixture.Options.Transformer.Window, 7).Build(sample.Origin)!;
        var mean = tf.Predict([window])[0].Mean;
        for (var h = 0; h < 7; h++) Assert.Equal(sample.Transformer[h], mean[h], 5);
        var combined = ensemble.Combine(1, mean[0], sample.XGBoost[0]);
        var (lo, hi) = ensemble.Interval(1, combined, 0.8, tf.Predict([window])[0].Sd[0]);
        Assert.True(lo < combined && combined < hi);
    }
}
