using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;

namespace NovaMind.Ml.Forecasting;

/// <summary>
/// Settings of <see cref="ForecastEnsembleTrainer"/>. One symptom per <see cref="ForecastEnsembleTrainer.Train"/>;
/// <see cref="Symptoms"/> lists the runs <c>./novamind train forecast</c> makes (one artifact set covers them all).
/// </summary>
public sealed record ForecastEnsembleOptions
{
    /// <summary>The served horizons are 1..28 days, so every model is trained for all of them.</summary>
    public const int ServedHorizon = 28;

    public string Version { get; init; } = "dev";
    public IReadOnlyList<ObservationType> Symptoms { get; init; } = [ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7];
    public int Seed { get; init; } = 20261126;
    /// <summary>
    /// Default cohort, sized so that three symptoms at H = 28 train in about 10 minutes on two cores (a mood run of
    /// 80 × 240 took 94 s; time grows about linearly with patients).
    /// </summary>
    public int Patients { get; init; } = 160;
    public int Days { get; init; } = 240;
    public DateOnly LastDay { get; init; } = new(2026, 6, 30);

    /// <summary>Shares of patients for training and validation (ensemble weights + conformal calibration); the rest are test patients.</summary>
    public double TrainFraction { get; init; } = 0.6;
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>The last share of days: training patients' data stop before it and test origins lie in it.</summary>
    public double TestTimeFraction { get; init; } = 0.25;

    /// <summary>
    /// First day index of validation origins; null: the Transformer's window − 1, the first origin whose encoder window
    /// lies wholly inside the patient's data. Earlier origins give the Transformer zero-padded, short-history inputs that
    /// test origins (after months of data) and served patients with a full window never have, and there XGBoost looked
    /// better than it is on test.
    /// </summary>
    public int? ValidationFromDay { get; init; }

    public int Horizon { get; init; } = ServedHorizon;
    public int TrainStride { get; init; } = 1;
    public int ValidationStride { get; init; } = 1;
    public int TestStride { get; init; } = 1;
    public double WeightStep { get; init; } = 0.05;

    /// <summary>Each horizon's weight is fitted on horizons h − r … h + r pooled (0: each horizon alone).</summary>
    public int WeightPoolRadius { get; init; } = 1;

    /// <summary>Candidate shrinkage λ toward <see cref="FixedTransformerWeight"/>, chosen by cross-fitting over <see cref="ShrinkageFolds"/> groups of validation patients.</summary>
    public IReadOnlyList<double> ShrinkageCandidates { get; init; } = [0, 0.25, 0.5, 0.75, 1];

    /// <summary>
    /// Groups of validation patients for choosing λ: each group is scored with weights fitted on the others. Four rather
    /// than two halves: weights fitted on three quarters are closer to the final fit on all validation patients, and
    /// fits on half the patients are noisy enough to make shrinkage look better than it is.
    /// </summary>
    public int ShrinkageFolds { get; init; } = 4;

    /// <summary>The original design's fixed weights: Transformer 0.7, XGBoost 0.3 (the baseline to beat, and the prior the weights shrink toward).</summary>
    public double FixedTransformerWeight { get; init; } = 0.7;

    /// <summary>
    /// Days between refits of the per-patient statistical member when evaluating every origin of a patient (it is filtered
    /// in between); serving fits at the forecast origin (ADR 0021).
    /// </summary>
    public int StatisticalRefitDays { get; init; } = 7;

    /// <summary>The per-patient member the set is trained with and serves (recorded in ensemble.json).</summary>
    public Statistical.StatisticalMemberKind StatisticalMember { get; init; } = Statistical.StatisticalMember.Default;

    /// <summary>
    /// How the set's forecasts are personalised when served (recorded in ensemble.json; ADR 0028, ADR 0029): per patient the
    /// shrinkage-personalised ensemble or the statistical member alone, from 8 weekly origins — adopted on paired fresh
    /// draws of both families (the cross-validated rule of set 0.7.0 was worse than the shrinkage rule there).
    /// </summary>
    public PersonalisationRecord Personalisation { get; init; } = new("ensemble_or_member", 8);

    /// <summary>Also evaluate the test origins with the Transformer in fp16 (CPU half kernels) and report the change.</summary>
    public bool MeasureFp16 { get; init; } = true;

    public int FanChartPatients { get; init; } = 3;

    /// <summary>Two XGBoost threads: the training host has two cores, and a fixed count keeps results machine-independent.</summary>
    public XGBoostForecastOptions XGBoost { get; init; } = new() { MaxHorizon = ServedHorizon, Threads = 2 };
    public XGBoostSearchOptions XGBoostSearch { get; init; } = XGBoostSearchOptions.Quick with { TuningHorizons = [1, 7, 14, 28] };
    public TransformerForecastOptions Transformer { get; init; } = new() { MaxHorizon = ServedHorizon };
    /// <summary>
    /// Architectures compared by rolling-origin cross-validation (<see cref="TransformerFolds"/> folds) before the final fit.
    /// One encoder/decoder layer at two widths: a two-layer model was preferred by this search but its final fit alone took
    /// ~170 s per symptom, putting three symptoms over the 15-minute budget (docs/architecture.md, "Forecast models").
    /// </summary>
    public IReadOnlyList<TransformerCandidate> TransformerCandidates { get; init; } = [new(16, 1), new(32, 1)];
    public int TransformerFolds { get; init; } = 2;

    /// <summary>
    /// The search fits candidates on every k-th training window (windows of neighbouring days overlap almost entirely),
    /// which keeps two architectures × two folds inside the training budget; the final fit uses every window.
    /// </summary>
    public int TransformerSearchStride { get; init; } = 3;

    /// <summary>A small cohort and small budgets, all three symptoms and horizons 1..28 (smoke runs and tests).</summary>
    public static ForecastEnsembleOptions Quick(string version) => new()
    {
        Version = version,
        Patients = 40,
        Days = 150,
        XGBoost = new XGBoostForecastOptions { MaxHorizon = ServedHorizon, MaxRounds = 300, Threads = 2 },
        Transformer = new TransformerForecastOptions { MaxHorizon = ServedHorizon, MaxEpochs = 12 },
        TransformerCandidates = TransformerCandidate.Quick,
    };
}

/// <summary>A predictor's per-horizon test errors.</summary>
public sealed record HorizonErrors(double[] Mae, double[] Rmse, double[] Mase);

public sealed record EnsembleTarget(string Name, string Description, double Value, string Threshold, bool Passed);

/// <summary>
/// What fp16 does to the Transformer's test forecasts: per-horizon MAE with fp32 and fp16 weights and inputs, and the
/// largest absolute change of a forecast mean (symptom units). <see cref="Method"/>: "cpu_half_kernels" (the model and
/// inputs cast to fp16, libtorch's CPU half kernels) or "cpu_emulated_fp16_storage" (weights and inputs rounded to fp16,
/// arithmetic in fp32) where a half kernel is missing.
/// </summary>
public sealed record ForecastFp16Check(string Method, string Description, double[] MaeFp32, double[] MaeFp16, double MaxAbsDiff, double Seconds);

public sealed record ForecastFanChart(int Patient, DateOnly Origin, double[] History, double[] Actual, double[] Mean,
    double[] Lower80, double[] Upper80, double[] Lower95, double[] Upper95, double[] Oracle);

/// <summary>What report.json holds (keys: horizons, mae/rmse/mase per predictor, coverage "80"/"95", …).</summary>
public sealed record ForecastEnsembleReport
{
    public required string Symptom { get; init; }
    public required string Version { get; init; }
    public required int[] Horizons { get; init; }
    public required Dictionary<string, double[]> Mae { get; init; }
    public required Dictionary<string, double[]> Rmse { get; init; }
    public required Dictionary<string, double[]> Mase { get; init; }
    public required Dictionary<string, double> Coverage { get; init; }
    public required Dictionary<string, double[]> CoverageByHorizon { get; init; }
    public required Dictionary<string, double[]> MeanIntervalWidth { get; init; }
    public required Dictionary<string, double[]> ValidationMae { get; init; }
    public required double[] TransformerWeights { get; init; }
    /// <summary>The weights fitted on all validation origins (pooled over neighbouring horizons) before shrinkage.</summary>
    public required double[] PooledTransformerWeights { get; init; }
    /// <summary>The statistical member's weight per horizon (XGBoost's is 1 − Transformer − statistical); absent in sets trained before it.</summary>
    public double[]? StatisticalWeights { get; init; }
    public double[]? PooledStatisticalWeights { get; init; }
    /// <summary>λ: final weights = λ · fixed weights (0.7 / 0.3 / 0) + (1 − λ) · pooled weights.</summary>
    public required double WeightShrinkage { get; init; }
    /// <summary>Cross-fitted validation MAE (mean over horizons) of each candidate λ.</summary>
    public required Dictionary<string, double> ShrinkageSelection { get; init; }
    public required string ConformalScheme { get; init; }
    public required Dictionary<string, double> SchemeSelectionCoverage { get; init; }
    public required IReadOnlyList<EnsembleTarget> Targets { get; init; }
    public required Dictionary<string, object> Data { get; init; }
    public required Dictionary<string, double> Seconds { get; init; }
    public ForecastFp16Check? Fp16 { get; init; }
    public required IReadOnlyList<ForecastFanChart> FanCharts { get; init; }

    public static readonly JsonSerializerOptions Json = ModelArtifacts.Json;
}

/// <summary>
/// ensemble.json's <c>personalisation</c>: the serving rule ("shrinkage", "cross_validated" or "ensemble_or_member"), the
/// past origins backtested and, where a set records one, the interval scales' own prior strength (absent in every set so
/// far: the weights' n₀ = 8; ADR 0030).
/// </summary>
public sealed record PersonalisationRecord(string Rule, int BacktestOrigins, double? IntervalPriorOrigins = null)
{
    public static string Name(Personalised.PersonalisationRule rule) => rule switch
    {
        Personalised.PersonalisationRule.Shrinkage => "shrinkage",
        Personalised.PersonalisationRule.CrossValidated => "cross_validated",
        _ => "ensemble_or_member",
    };

    /// <summary>The rule a name stands for; null (a set before 0.7.0) is the shrinkage rule.</summary>
    public static Personalised.PersonalisationRule Parse(string? name) => name switch
    {
        null or "shrinkage" => Personalised.PersonalisationRule.Shrinkage,
        "cross_validated" => Personalised.PersonalisationRule.CrossValidated,
        "ensemble_or_member" => Personalised.PersonalisationRule.EnsembleOrMember,
        var other => throw new InvalidDataException($"unknown personalisation rule '{other}' (shrinkage, cross_validated or ensemble_or_member)"),
    };
}

/// <summary>ensemble.json: how the two models' forecasts are combined and the intervals drawn.</summary>
public sealed record ForecastEnsembleMetadata
{
    public required string Symptom { get; init; }
    public required int[] Horizons { get; init; }
    /// <summary>w_h: ensemble = w_h · Transformer + (1 − w_h) · XGBoost.</summary>
    public required double[] TransformerWeights { get; init; }
    /// <summary>"absolute" (ŷ ± q) or "normalised" (ŷ ± q · Transformer sd).</summary>
    public required string ConformalScheme { get; init; }
    public required double[] ConformalLevels { get; init; }
    /// <summary>Per horizon, the half-width quantile for each level (score units).</summary>
    public required double[][] ConformalQuantiles { get; init; }
    public required string Version { get; init; }
    public required int Seed { get; init; }
    public required Dictionary<string, string> Components { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }

    /// <summary>
    /// Global weight of the per-patient statistical member per horizon, learned with the others; absent in sets trained
    /// before it existed (0.4.0), where it is 0 and only a patient's own backtest gives it weight. With it,
    /// XGBoost's weight is 1 − w_T − w_S.
    /// </summary>
    public double[]? StatisticalWeights { get; init; }

    /// <summary>The per-patient member's models (<see cref="Statistical.StatisticalMember.Name"/>); absent in sets before 0.6.0, which use SARIMA alone.</summary>
    public string? StatisticalMember { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public Statistical.StatisticalMemberKind StatisticalMemberKind => Statistical.StatisticalMember.Parse(StatisticalMember);

    /// <summary>
    /// How the set's forecasts are personalised when served (a set's numbers hold for its own rule); absent in sets
    /// before 0.7.0, which use the shrinkage rule with 8 backtest origins.
    /// </summary>
    public PersonalisationRecord? Personalisation { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public Personalised.PersonalisationRule PersonalisationRule => PersonalisationRecord.Parse(Personalisation?.Rule);

    [System.Text.Json.Serialization.JsonIgnore]
    public int PersonalisationBacktestOrigins => Personalisation?.BacktestOrigins ?? Personalised.PersonalisationOptions.DefaultBacktestOrigins;

    [System.Text.Json.Serialization.JsonIgnore]
    public double? PersonalisationIntervalPriorOrigins => Personalisation?.IntervalPriorOrigins;

    public double Combine(int horizon, double transformer, double xgboost) =>
        TransformerWeights[horizon - 1] * transformer + (1 - TransformerWeights[horizon - 1]) * xgboost;

    /// <summary>The global weights [Transformer, XGBoost, statistical] at <paramref name="horizon"/>.</summary>
    public double[] MemberWeights(int horizon)
    {
        var t = TransformerWeights[horizon - 1];
        var s = StatisticalWeights?[horizon - 1] ?? 0;
        return [t, 1 - t - s, s];
    }

    /// <summary>Half-width of the calibrated interval at <paramref name="level"/> (score units × the Transformer's sd when normalised).</summary>
    public double HalfWidth(int horizon, double level, double transformerSd)
    {
        var (lower, upper) = Interval(horizon, 0, level, transformerSd);
        return (upper - lower) / 2;
    }

    public (double Lower, double Upper) Interval(int horizon, double prediction, double level, double transformerSd)
    {
        var li = Array.FindIndex(ConformalLevels, l => Math.Abs(l - level) < 1e-9);
        if (li < 0) throw new ArgumentException($"level {level} was not calibrated", nameof(level));
        var q = ConformalQuantiles[horizon - 1][li] * (ConformalScheme == "normalised" ? transformerSd : 1);
        return (prediction - q, prediction + q);
    }
}

/// <summary>One test forecast kept so a loaded artifact can be checked against it.</summary>
public sealed record EnsembleSample(int Patient, DateOnly Origin, float[] XGBoost, double[] Transformer);

public sealed class ForecastEnsembleResult(XGBoostDirectForecaster xgboost, TransformerForecaster transformer,
    ForecastEnsembleMetadata ensemble, ForecastEnsembleReport report, SymptomCohort cohort, EnsembleSample sample, ForecastEnsembleOptions options) : IDisposable
{
    public XGBoostDirectForecaster XGBoost { get; } = xgboost;
    public TransformerForecaster Transformer { get; } = transformer;
    public ForecastEnsembleMetadata Ensemble { get; } = ensemble;
    public ForecastEnsembleReport Report { get; } = report;
    public SymptomCohort Cohort { get; } = cohort;
    public EnsembleSample Sample { get; } = sample;
    public ForecastEnsembleOptions Options { get; } = options;

    /// <summary>Training distributions of the monitored inputs and predictions (issue 16); written as reference.json.</summary>
    public Monitoring.ForecastDriftReference? DriftReference { get; init; }

    public void Dispose()
    {
        XGBoost.Dispose();
        Transformer.Dispose();
    }
}

/// <summary>
/// Trains XGBoost (direct, one booster per horizon) and the Transformer on simulated training patients, learns per-horizon
/// ensemble weights and split-conformal intervals on validation patients, and scores every predictor on test patients'
/// origins in the held-out last part of time.
/// </summary>
public sealed class ForecastEnsembleTrainer(ForecastEnsembleOptions options, Action<string>? progress = null)
{
    public static readonly string[] Predictors = ["ensemble", "transformer", "xgboost", "statistical", "fixed_ensemble", "seasonal_naive", "last_value", "oracle"];

    public ForecastEnsembleOptions Options { get; } = options;

    public static IReadOnlyList<DateOnly>? MedicationStarts(SymptomSimulatedPatient p) => p.Parameters.MedicationStart is { } s ? [s] : null;

    /// <summary>Trains for <see cref="ForecastEnsembleOptions.Symptoms"/>[0] (or <paramref name="symptom"/>).</summary>
    public ForecastEnsembleResult Train(ObservationType? symptom = null)
    {
        var o = Options;
        var sym = symptom ?? o.Symptoms[0];
        var H = o.Horizon;
        if (o.XGBoost.MaxHorizon != H || o.Transformer.MaxHorizon != H) throw new ArgumentException("XGBoost and Transformer MaxHorizon must equal Horizon");
        var seconds = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();

        var cohort = new SymptomCohortSimulator(o.Seed).Simulate(o.Patients, o.Days, o.LastDay);
        var order = Enumerable.Range(0, o.Patients).ToArray();
        new Random(o.Seed).Shuffle(order);
        var nTrain = (int)Math.Round(o.Patients * o.TrainFraction);
        var nVal = (int)Math.Round(o.Patients * o.ValidationFraction);
        var train = order[..nTrain];
        var validation = order[nTrain..(nTrain + nVal)];
        var test = order[(nTrain + nVal)..];
        if (train.Length == 0 || validation.Length < 2 || test.Length == 0) throw new ArgumentException("too few patients for a train/validation/test split");
        var cutoff = (int)Math.Round(o.Days * (1 - o.TestTimeFraction));
        var cutoffDate = o.LastDay.AddDays(-(o.Days - 1) + cutoff);
        var validationFrom = o.ValidationFromDay ?? o.Transformer.Window - 1;
        progress?.Invoke($"{sym.Name}: {o.Patients} patients × {o.Days} days; train {train.Length}, validation {validation.Length}, test {test.Length}; " +
                         $"validation origins from day {validationFrom}, test origins from {cutoffDate:yyyy-MM-dd}");

        // Training patients: data strictly before the held-out time.
        var trainObs = train.Select(i => (Patient: cohort.Patients[i], Obs: (IReadOnlyList<Observation>)cohort.Patients[i].Observations
            .Where(x => DateOnly.FromDateTime(x.Time.UtcDateTime) < cutoffDate).ToList())).ToList();
        var dataset = ForecastDataset.Build(trainObs.Select(t => new ForecastPatient(t.Patient.Index, t.Obs, MedicationStarts(t.Patient))), sym, H);
        Stage(progress, sym, 0.0, "XGBoost");
        progress?.Invoke($"XGBoost: {dataset.Rows} training origins");
        var (xgb, xgbSearch) = XGBoostHyperparameterSearch.TuneAndTrain(dataset, o.XGBoost, o.XGBoostSearch, sym.Name, progress);
        seconds["xgboost"] = clock.Elapsed.TotalSeconds;
        clock.Restart();

        var windows = SequenceWindowBuilder.BuildAll(trainObs.Select(t => (t.Patient.Index, t.Obs)), sym, o.Transformer.Window, H, o.TrainStride);
        Stage(progress, sym, XGBoostShare, "Transformer");
        progress?.Invoke($"Transformer: {windows.Count} training windows");
        var (tf, tfSearch) = TransformerHyperparameterSearch.TuneAndTrain(windows, o.Transformer, o.TransformerCandidates, o.TransformerFolds, sym.Name, progress, o.TransformerSearchStride);
        seconds["transformer"] = clock.Elapsed.TotalSeconds;
        clock.Restart();

        var val = EvalSet.Build(cohort, validation, sym, o, validationFrom, o.Days - 2, o.ValidationStride, maseEnd: o.Days);
        var tst = EvalSet.Build(cohort, test, sym, o, cutoff, o.Days - 2, o.TestStride, maseEnd: cutoff);
        if (val.Count == 0 || tst.Count == 0) throw new InvalidOperationException("no validation or test origins");
        val.Predict(xgb, tf);
        tst.Predict(xgb, tf);
        seconds["evaluation_members"] = clock.Elapsed.TotalSeconds;
        var statisticalClock = Stopwatch.StartNew();
        var statisticalFallbacks = val.PredictStatistical(o.StatisticalRefitDays, o.StatisticalMember) + tst.PredictStatistical(o.StatisticalRefitDays, o.StatisticalMember);
        seconds["evaluation_statistical"] = statisticalClock.Elapsed.TotalSeconds;
        Stage(progress, sym, XGBoostShare + TransformerShare, "evaluation");
        progress?.Invoke($"validation origins {val.Count}, test origins {tst.Count}");

        // Weights: pooled over neighbouring horizons, shrunk toward the fixed 0.7 by as much as cross-fitting over groups of
        // validation patients says generalises.
        var groups = Math.Min(o.ShrinkageFolds, validation.Length);
        var group = validation.Select((p, k) => (p, k)).ToDictionary(x => x.p, x => x.k % groups);
        var folds = Enumerable.Range(0, groups)
            .Select(g => (IReadOnlyList<int>)[.. Enumerable.Range(0, val.Count).Where(r => group[val.Patients[r]] == g)]).ToList();
        // Three members (Transformer, XGBoost, the per-patient statistical member), on the simplex, shrunk toward the fixed
        // 0.7 / 0.3 / 0 by as much as cross-fitting says generalises.
        double[] prior = [o.FixedTransformerWeight, 1 - o.FixedTransformerWeight, 0];
        var (lambda, lambdaScores) = ForecastEnsembleMath.ChooseSimplexShrinkage(val.Transformer, val.XGBoost, val.Statistical, val.Actual, folds,
            prior, o.ShrinkageCandidates, o.WeightPoolRadius, o.WeightStep);
        var pooledWeights = ForecastEnsembleMath.PooledSimplexWeights(val.Transformer, val.XGBoost, val.Statistical, val.Actual, prior, o.WeightPoolRadius, o.WeightStep);
        var memberWeights = ForecastEnsembleMath.ShrinkSimplex(pooledWeights, prior, lambda);
        var weights = memberWeights.Select(w => w[0]).ToArray();
        var statisticalWeights = memberWeights.Select(w => w[2]).ToArray();
        var pooled = pooledWeights.Select(w => w[0]).ToArray();
        val.Combine(memberWeights, o.FixedTransformerWeight);
        tst.Combine(memberWeights, o.FixedTransformerWeight);

        // Conformal scheme: calibrate on half the validation patients, measure coverage on the other half, keep the closer one.
        var half = validation.Where((_, k) => k % 2 == 0).ToHashSet();
        var a = Enumerable.Range(0, val.Count).Where(r => half.Contains(val.Patients[r])).ToArray();
        var b = Enumerable.Range(0, val.Count).Where(r => !half.Contains(val.Patients[r])).ToArray();
        var selection = new Dictionary<string, double>();
        var bestScheme = "absolute";
        var bestGap = double.PositiveInfinity;
        foreach (var scheme in new[] { "absolute", "normalised" })
        {
            var c = Calibrate(val, a, scheme);
            var c80 = val.Coverage(c, scheme, SplitConformal.Level80, b);
            var c95 = val.Coverage(c, scheme, SplitConformal.Level95, b);
            selection[$"{scheme}_80"] = c80;
            selection[$"{scheme}_95"] = c95;
            var gap = Math.Abs(c80 - 0.8) + Math.Abs(c95 - 0.95);
            if (gap < bestGap - 1e-12) (bestScheme, bestGap) = (scheme, gap);
        }
        var conformal = Calibrate(val, Enumerable.Range(0, val.Count).ToArray(), bestScheme);
        progress?.Invoke($"weights (Transformer) {string.Join(" ", weights.Select(w => w.ToString("F2")))}, (statistical) {string.Join(" ", statisticalWeights.Select(w => w.ToString("F2")))} " +
                         $"(shrinkage λ {lambda:F2} toward {o.FixedTransformerWeight:F2} / {1 - o.FixedTransformerWeight:F2} / 0); conformal scheme {bestScheme}");

        var all = Enumerable.Range(0, tst.Count).ToArray();
        var coverage = new Dictionary<string, double>
        {
            ["80"] = tst.Coverage(conformal, bestScheme, SplitConformal.Level80, all),
            ["95"] = tst.Coverage(conformal, bestScheme, SplitConformal.Level95, all),
        };
        var coverageByH = new Dictionary<string, double[]>();
        var widthByH = new Dictionary<string, double[]>();
        foreach (var (key, level) in new[] { ("80", SplitConformal.Level80), ("95", SplitConformal.Level95) })
        {
            coverageByH[key] = Enumerable.Range(0, H).Select(h => tst.Coverage(conformal, bestScheme, level, all, h)).ToArray();
            widthByH[key] = Enumerable.Range(0, H).Select(h => all.Average(r => 2 * conformal.Quantile(h, level) * (bestScheme == "normalised" ? tst.TransformerSd[r][h] : 1))).ToArray();
        }

        var errors = Predictors.ToDictionary(p => p, p => tst.Errors(tst.Of(p)));
        var valMae = new[] { "ensemble", "transformer", "xgboost", "statistical", "fixed_ensemble" }.ToDictionary(p => p, p => val.Errors(val.Of(p)).Mae);

        var targets = Targets(errors, coverage, H);
        foreach (var t in targets) progress?.Invoke($"target {t.Name}: {t.Value:F4} ({t.Threshold}) {(t.Passed ? "PASS" : "MISS")}");
        var fp16 = o.MeasureFp16 ? Fp16Check(tf, tst) : null;
        if (fp16 is not null)
            progress?.Invoke($"fp16 ({fp16.Method}): mean Transformer MAE {fp16.MaeFp32.Average():F4} → {fp16.MaeFp16.Average():F4}, max |Δ mean| {fp16.MaxAbsDiff:G3}");

        var metadata = new ForecastEnsembleMetadata
        {
            Symptom = sym.Name,
            Horizons = Enumerable.Range(1, H).ToArray(),
            TransformerWeights = weights,
            StatisticalWeights = statisticalWeights,
            StatisticalMember = Statistical.StatisticalMember.Name(o.StatisticalMember),
            Personalisation = o.Personalisation,
            ConformalScheme = bestScheme,
            ConformalLevels = [SplitConformal.Level80, SplitConformal.Level95],
            ConformalQuantiles = Enumerable.Range(0, H).Select(h => new[] { conformal.Quantile(h, SplitConformal.Level80), conformal.Quantile(h, SplitConformal.Level95) }).ToArray(),
            Version = o.Version,
            Seed = o.Seed,
            Components = new() { ["xgboost"] = "xgboost/", ["transformer"] = "transformer/", ["transformer_architecture"] = $"d={tfSearch.Best.ModelDim}, layers={tfSearch.Best.Layers}", ["xgboost_hyperparameters"] = xgb.Hyperparameters.ToString(),
                ["statistical"] = Statistical.StatisticalMember.Description(o.StatisticalMember) + " (fitted per patient when served)" },
            TrainedAt = DateTimeOffset.UtcNow,
        };
        seconds["fp16_check"] = fp16?.Seconds ?? 0;
        seconds["evaluation"] = clock.Elapsed.TotalSeconds - seconds["fp16_check"];
        seconds["total"] = total.Elapsed.TotalSeconds;
        Stage(progress, sym, 1, $"done in {seconds["total"]:F0} s");

        var report = new ForecastEnsembleReport
        {
            Symptom = sym.Name,
            Version = o.Version,
            Horizons = metadata.Horizons,
            Mae = errors.ToDictionary(e => e.Key, e => e.Value.Mae),
            Rmse = errors.ToDictionary(e => e.Key, e => e.Value.Rmse),
            Mase = errors.ToDictionary(e => e.Key, e => e.Value.Mase),
            Coverage = coverage,
            CoverageByHorizon = coverageByH,
            MeanIntervalWidth = widthByH,
            ValidationMae = valMae,
            TransformerWeights = weights,
            PooledTransformerWeights = pooled,
            StatisticalWeights = statisticalWeights,
            PooledStatisticalWeights = pooledWeights.Select(w => w[2]).ToArray(),
            WeightShrinkage = lambda,
            ShrinkageSelection = o.ShrinkageCandidates.Select((l, k) => (l, k)).ToDictionary(x => x.l.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), x => lambdaScores[x.k]),
            ConformalScheme = bestScheme,
            SchemeSelectionCoverage = selection,
            Targets = targets,
            Data = new()
            {
                ["patients"] = o.Patients, ["days"] = o.Days, ["seed"] = o.Seed,
                ["statistical_member"] = Statistical.StatisticalMember.Description(o.StatisticalMember),
                ["train_patients"] = train.Length, ["validation_patients"] = validation.Length, ["test_patients"] = test.Length,
                ["test_origins_from"] = cutoffDate.ToString("yyyy-MM-dd"),
                ["validation_origins_from_day"] = validationFrom, ["transformer_window"] = o.Transformer.Window,
                ["weight_pool_radius"] = o.WeightPoolRadius, ["fixed_transformer_weight"] = o.FixedTransformerWeight, ["shrinkage_folds"] = groups,
                ["xgboost_training_origins"] = dataset.Rows, ["transformer_training_windows"] = windows.Count,
                ["validation_origins"] = val.Count, ["test_origins"] = tst.Count,
                ["xgboost_search_evaluations"] = xgbSearch.Trials.Count, ["xgboost_best_cv_mae"] = xgbSearch.BestScore,
                ["transformer_candidates"] = tfSearch.Scores.Count == 0
                    ? [$"d={tfSearch.Best.ModelDim} layers={tfSearch.Best.Layers}: the only candidate (not cross-validated)"]
                    : tfSearch.Scores.Select(s => $"d={s.Candidate.ModelDim} layers={s.Candidate.Layers}: CV MAE {s.MeanMae:F4}").ToArray(),
                ["transformer_epochs"] = tf.Metadata.Epochs,
                ["statistical_refit_days"] = o.StatisticalRefitDays, ["statistical_fallbacks_to_last_value"] = statisticalFallbacks,
            },
            Seconds = seconds,
            Fp16 = fp16,
            FanCharts = tst.FanCharts(conformal, bestScheme, o.FanChartPatients, cutoff),
        };
        var r0 = 0;
        var sample = new EnsembleSample(tst.Patients[r0], tst.Origins[r0], tst.XGBoostRaw[r0], tst.Transformer[r0]);
        var reference = Monitoring.ForecastDriftReference.Build(sym.Name, o.Version, dataset, [.. val.Ensemble, .. tst.Ensemble]);
        return new ForecastEnsembleResult(xgb, tf, metadata, report, cohort, sample, o) { DriftReference = reference };
    }

    /// <summary>
    /// The Transformer's test forecasts again in fp16 on the CPU (no GPU here): libtorch's CPU half kernels, or, if one
    /// is missing, fp16 storage emulated in fp32. CUDA's fp16 kernels round differently, so this bounds the size of the
    /// change rather than reproducing it.
    /// </summary>
    private static ForecastFp16Check Fp16Check(TransformerForecaster tf, EvalSet set)
    {
        var clock = Stopwatch.StartNew();
        TransformerForecast[] half;
        string method, description;
        try
        {
            using var model = tf.HalfPrecisionCopyOnCpu(emulated: false);
            half = model.Predict(set.Windows, parallelism: Environment.ProcessorCount);
            (method, description) = ("cpu_half_kernels", "weights and inputs cast to fp16 and run with libtorch's CPU half kernels (real fp16 arithmetic on the CPU)");
        }
        catch (ExternalException)
        {
            using var model = tf.HalfPrecisionCopyOnCpu(emulated: true);
            half = model.Predict(set.Windows, parallelism: Environment.ProcessorCount);
            (method, description) = ("cpu_emulated_fp16_storage", "a CPU half kernel was missing: weights and inputs rounded to fp16, arithmetic in fp32");
        }
        var means = half.Select(x => x.Mean).ToList();
        var maxDiff = Enumerable.Range(0, set.Count).Max(r => Enumerable.Range(0, set.H).Max(h => Math.Abs(means[r][h] - set.Transformer[r][h])));
        return new ForecastFp16Check(method, description, set.Errors(set.Transformer).Mae, set.Errors(means).Mae, maxDiff, clock.Elapsed.TotalSeconds);
    }

    // Rough shares of a symptom's time (XGBoost 40–60 %, Transformer 30–40 %, evaluation the rest in quick and
    // 80 × 240 runs): the progress bar moves by these at each stage.
    private const double XGBoostShare = 0.45;
    private const double TransformerShare = 0.35;

    /// <summary>A one-line text progress bar per symptom, e.g. "mood [#########...........]  45 % Transformer".</summary>
    private static void Stage(Action<string>? progress, ObservationType symptom, double done, string next) =>
        progress?.Invoke($"{symptom.Name} [{new string('#', (int)Math.Round(20 * done)).PadRight(20, '.')}] {done * 100,3:F0} % {next}");

    private static SplitConformal Calibrate(EvalSet set, int[] rows, string scheme) =>
        SplitConformal.Calibrate(rows.Select(r => (IReadOnlyList<double>)set.Actual[r]).ToList(), rows.Select(r => (IReadOnlyList<double>)set.Ensemble[r]).ToList(),
            scheme == "normalised" ? rows.Select(r => (IReadOnlyList<double>)set.TransformerSd[r]).ToList() : null);

    internal static List<EnsembleTarget> Targets(Dictionary<string, HorizonErrors> e, Dictionary<string, double> coverage, int H)
    {
        var n = Math.Min(14, H);
        double Avg(string p) => e[p].Mae.Take(n).Average();
        var ratio = Avg("ensemble") / Avg("oracle");
        var improvement = 1 - e["ensemble"].Mae.Average() / e["seasonal_naive"].Mae.Average();
        var worst = Enumerable.Range(0, H).Max(h => e["ensemble"].Mae[h] / new[] { "transformer", "xgboost", "statistical" }.Where(e.ContainsKey).Min(p => e[p].Mae[h]));
        return
        [
            new("ensemble_vs_oracle", $"mean ensemble MAE / mean oracle MAE over horizons 1–{n}", ratio, "≤ 1.15", ratio <= 1.15),
            new("ensemble_vs_seasonal_naive", "1 − mean ensemble MAE / mean seasonal-naive MAE over horizons", improvement, "≥ 0.20", improvement >= 0.20),
            new("ensemble_vs_best_single", "max over horizons of ensemble MAE / min(Transformer, XGBoost, statistical) MAE", worst, "≤ 1.01", worst <= 1.01),
            new("coverage_80", "test coverage of the 80 % intervals", coverage["80"], "in [0.77, 0.83]", coverage["80"] is >= 0.77 and <= 0.83),
            new("coverage_95", "test coverage of the 95 % intervals", coverage["95"], "in [0.93, 0.97]", coverage["95"] is >= 0.93 and <= 0.97),
        ];
    }

    /// <summary>Forecast origins of a patient group with every predictor's forecasts (origins both models can build).</summary>
    private sealed class EvalSet
    {
        public readonly List<int> Patients = [];
        public readonly List<DateOnly> Origins = [];
        public readonly List<int> OriginDay = [];
        public readonly List<double[]> Actual = [];
        public readonly List<double[]> SeasonalNaive = [];
        public readonly List<double[]> LastValue = [];
        public readonly List<double[]> Oracle = [];
        public readonly List<double> Scale = [];
        public readonly List<float> Features = [];
        public readonly List<SequenceWindow> Windows = [];
        public List<double[]> XGBoost = [];
        public List<float[]> XGBoostRaw = [];
        public List<double[]> Transformer = [];
        public List<double[]> TransformerSd = [];
        public List<double[]> Statistical = [];
        public List<double[]> Ensemble = [];
        public List<double[]> Fixed = [];
        public int H;
        private SymptomCohort _cohort = null!;
        private ObservationType _symptom = null!;
        public int Count => Patients.Count;

        public static EvalSet Build(SymptomCohort cohort, IEnumerable<int> patients, ObservationType symptom, ForecastEnsembleOptions o, int from, int to, int stride, int maseEnd)
        {
            var set = new EvalSet { H = o.Horizon, _cohort = cohort, _symptom = symptom };
            var H = o.Horizon;
            var row = new float[ForecastFeatures.Count];
            foreach (var i in patients)
            {
                var p = cohort.Patients[i];
                var series = p.Daily[symptom];
                var features = new ForecastFeatures(p.Observations, symptom, MedicationStarts(p));
                var builder = new SequenceWindowBuilder(p.Index, p.Observations, symptom, o.Transformer.Window, H);
                var tfOrigins = builder.Origins().ToHashSet();
                var scale = ForecastEnsembleMath.MaseScale(series, maseEnd);
                var taken = 0;
                for (var t = Math.Max(0, from); t <= Math.Min(to, p.Days - 2); t++)
                {
                    var origin = p.FirstDay.AddDays(t);
                    if (double.IsNaN(series[t]) || features.ObservedDaysInLast28(origin) < ForecastHistory.MinimumObservedDays) continue;
                    if (features.LastSymptomDay is not { } last || origin >= last || !tfOrigins.Contains(origin)) continue;
                    var actual = new double[H];
                    for (var h = 1; h <= H; h++) actual[h - 1] = t + h < p.Days ? series[t + h] : double.NaN;
                    if (actual.All(double.IsNaN)) continue;
                    if (taken++ % stride != 0) continue;
                    if (builder.Build(origin) is not { } window) continue;
                    features.Compute(origin, row);
                    set.Features.AddRange(row);
                    set.Windows.Add(window);
                    set.Patients.Add(p.Index);
                    set.Origins.Add(origin);
                    set.OriginDay.Add(t);
                    set.Actual.Add(actual);
                    set.SeasonalNaive.Add(Enumerable.Range(1, H).Select(h => ForecastEnsembleMath.SeasonalNaive(series, t, h)).ToArray());
                    set.LastValue.Add(Enumerable.Repeat(ForecastEnsembleMath.LastObserved(series, t), H).ToArray());
                    set.Oracle.Add(cohort.OracleForecast(p.Index, origin, symptom, H).Mean);
                    set.Scale.Add(scale);
                }
            }
            return set;
        }

        public void Predict(XGBoostDirectForecaster xgb, TransformerForecaster tf)
        {
            var raw = xgb.Predict(Features.ToArray(), Count);
            XGBoostRaw = Enumerable.Range(0, Count).Select(r => raw.AsSpan(r * H, H).ToArray()).ToList();
            XGBoost = XGBoostRaw.Select(r => r.Select(v => (double)v).ToArray()).ToList();
            var f = tf.Predict(Windows, parallelism: Environment.ProcessorCount);
            Transformer = f.Select(x => x.Mean).ToList();
            TransformerSd = f.Select(x => x.Sd.Select(s => Math.Max(s, 1e-6)).ToArray()).ToList();
        }

        /// <summary>
        /// The per-patient statistical member at every origin (refit every <paramref name="refitDays"/>, filtered between);
        /// where it cannot be fitted, the last value stands in. Returns how often that happened.
        /// </summary>
        public int PredictStatistical(int refitDays, Statistical.StatisticalMemberKind kind)
        {
            Statistical = [.. LastValue.Select(r => (double[])r.Clone())];
            var fallbacks = 0;
            // Patients are independent (each fit sees only its own days) and write disjoint rows: one per core.
            Parallel.ForEach(Enumerable.Range(0, Count).GroupBy(r => Patients[r]), group =>
            {
                var rows = group.OrderBy(r => OriginDay[r]).ToArray();
                var forecasts = Forecasting.Statistical.StatisticalMember.Rolling(_cohort.Patients[group.Key].Daily[_symptom], [.. rows.Select(r => OriginDay[r])], H, refitDays, kind);
                for (var k = 0; k < rows.Length; k++)
                    if (forecasts[k] is { } f) Statistical[rows[k]] = f.Mean; else Interlocked.Increment(ref fallbacks);
            });
            return fallbacks;
        }

        public void Combine(double[][] weights, double fixedWeight)
        {
            Ensemble = Enumerable.Range(0, Count).Select(r => Enumerable.Range(0, H)
                .Select(h => Personalised.PersonalisedCombination.Combine(weights[h], Transformer[r][h], XGBoost[r][h], Statistical[r][h])).ToArray()).ToList();
            Fixed = Enumerable.Range(0, Count).Select(r => Enumerable.Range(0, H).Select(h => fixedWeight * Transformer[r][h] + (1 - fixedWeight) * XGBoost[r][h]).ToArray()).ToList();
        }

        public List<double[]> Of(string predictor) => predictor switch
        {
            "ensemble" => Ensemble,
            "transformer" => Transformer,
            "xgboost" => XGBoost,
            "statistical" => Statistical,
            "fixed_ensemble" => Fixed,
            "seasonal_naive" => SeasonalNaive,
            "last_value" => LastValue,
            "oracle" => Oracle,
            _ => throw new ArgumentOutOfRangeException(nameof(predictor)),
        };

        public HorizonErrors Errors(List<double[]> predicted)
        {
            var mae = new double[H];
            var rmse = new double[H];
            var mase = new double[H];
            for (var h = 0; h < H; h++)
            {
                double abs = 0, sq = 0, scaled = 0;
                int n = 0, ns = 0;
                for (var r = 0; r < Count; r++)
                {
                    var y = Actual[r][h];
                    if (double.IsNaN(y)) continue;
                    var e = predicted[r][h] - y;
                    abs += Math.Abs(e);
                    sq += e * e;
                    n++;
                    if (Scale[r] > 0) { scaled += Math.Abs(e) / Scale[r]; ns++; }
                }
                mae[h] = n == 0 ? double.NaN : abs / n;
                rmse[h] = n == 0 ? double.NaN : Math.Sqrt(sq / n);
                mase[h] = ns == 0 ? double.NaN : scaled / ns;
            }
            return new HorizonErrors(mae, rmse, mase);
        }

        public (double Lower, double Upper) Interval(SplitConformal c, string scheme, double level, int r, int h) =>
            c.Interval(h, Ensemble[r][h], level, scheme == "normalised" ? TransformerSd[r][h] : null);

        public double Coverage(SplitConformal c, string scheme, double level, IReadOnlyList<int> rows, int? horizon = null)
        {
            int hit = 0, n = 0;
            foreach (var r in rows)
            for (var h = horizon ?? 0; h <= (horizon ?? H - 1); h++)
            {
                var y = Actual[r][h];
                if (double.IsNaN(y)) continue;
                var (lo, hi) = Interval(c, scheme, level, r, h);
                if (y >= lo && y <= hi) hit++;
                n++;
            }
            return n == 0 ? double.NaN : (double)hit / n;
        }

        public List<ForecastFanChart> FanCharts(SplitConformal c, string scheme, int count, int cutoff)
        {
            var charts = new List<ForecastFanChart>();
            foreach (var patient in Patients.Distinct().Take(count))
            {
                var rows = Enumerable.Range(0, Count).Where(r => Patients[r] == patient).ToArray();
                var r = rows.MinBy(x => Math.Abs(OriginDay[x] - (cutoff + 14)));
                var series = _cohort.Patients[patient].Daily[_symptom];
                var t = OriginDay[r];
                var history = Enumerable.Range(t - 27, 28).Select(d => d >= 0 ? series[d] : double.NaN).ToArray();
                var i80 = Enumerable.Range(0, H).Select(h => Interval(c, scheme, SplitConformal.Level80, r, h)).ToArray();
                var i95 = Enumerable.Range(0, H).Select(h => Interval(c, scheme, SplitConformal.Level95, r, h)).ToArray();
                charts.Add(new ForecastFanChart(patient, Origins[r], history, Actual[r], Ensemble[r],
                    i80.Select(x => x.Lower).ToArray(), i80.Select(x => x.Upper).ToArray(),
                    i95.Select(x => x.Lower).ToArray(), i95.Select(x => x.Upper).ToArray(), Oracle[r]));
            }
            return charts;
        }
    }
}
