using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;
using NovaMind.Domain.Correlation;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using static TorchSharp.torch;

namespace NovaMind.Ml.Correlation;

public sealed record CorrelationTrainingOptions
{
    public required string Version { get; init; }
    public int Seed { get; init; } = 20261126;
    /// <summary><see cref="CohortSimulator"/> patients (autoregressive mood; sleep lag 1 and HRV lag 2 effects).</summary>
    public int CohortPatients { get; init; } = 240;
    /// <summary><see cref="PlantedEffectSimulator"/> patients (mood only, one planted biometric at lag 1..7, white noise otherwise).</summary>
    public int PlantedPatients { get; init; } = 160;
    public double PlantedCorrelation { get; init; } = 0.4;
    public int Days { get; init; } = 180;
    public int Window { get; init; } = 28;
    public int Embedding { get; init; } = 16;
    public int Hidden { get; init; } = 32;
    public int MaxEpochs { get; init; } = 40;
    public int Patience { get; init; } = 4;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 3e-3;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Time-based validation: windows whose target day falls in the last this-share of the days.</summary>
    public double HeldOutDayFraction { get; init; } = 0.2;
    /// <summary>Patients never trained on (of each simulator); every reported accuracy figure is on them.</summary>
    public double TestPatientFraction { get; init; } = 0.2;
    /// <summary>Planted-effect patients for the lag-correlation discovery validation in the report (0: skip it).</summary>
    public int DiscoveryPatients { get; init; } = 200;
    /// <summary>Stop starting epochs after this long (keeps the default run within about five minutes on two cores).</summary>
    public double MaxTrainingSeconds { get; init; } = 210;

    /// <summary>Under a minute on two cores.</summary>
    public static CorrelationTrainingOptions Quick(string version) => new()
    {
        Version = version, CohortPatients = 60, PlantedPatients = 40, MaxEpochs = 6, Patience = 2, DiscoveryPatients = 100, MaxTrainingSeconds = 35,
    };

    /// <summary>A few seconds: for tests only.</summary>
    public static CorrelationTrainingOptions Tiny(string version) => new()
    {
        Version = version, CohortPatients = 20, PlantedPatients = 10, Days = 100, Window = 14, Embedding = 8, Hidden = 12, MaxEpochs = 5,
        Patience = 2, BatchSize = 64, LearningRate = 5e-3, DiscoveryPatients = 0, MaxTrainingSeconds = 20,
    };
}

public sealed record CorrelationTrainingResult(CorrelationModel Model, CorrelationReport Report) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// Trains <see cref="BiLstmAttentionNet"/> to predict next-day mood from 4 biometrics and the mood history, on
/// <see cref="CohortSimulator"/> patients mixed with <see cref="PlantedEffectSimulator"/> patients. Split: a share of each
/// simulator's patients is held out entirely (test); on the others, windows whose target lies in the last
/// <see cref="CorrelationTrainingOptions.HeldOutDayFraction"/> of the days are the validation set (early stopping, ridge λ),
/// the earlier ones the training set. Test figures are on held-out patients over that same later period.
/// </summary>
public sealed class CorrelationTrainer(CorrelationTrainingOptions options, Action<string>? progress = null)
{
    private static readonly ObservationType Symptom = ObservationType.Mood;
    private static readonly DateOnly LastDay = new(2026, 6, 30);

    private sealed record Example(CorrelationWindowInput Input, double Target, int Patient, bool Planted, PlantedEffect? Effect);

    private sealed record PatientData(int Id, IReadOnlyList<Observation> Observations, bool Planted, PlantedEffect? Effect, bool Test);

    /// <summary>Trains on one intra-op thread (docs/decisions/0008: two threads were far slower for models this small).</summary>
    public CorrelationTrainingResult Train()
    {
        var threads = get_num_threads();
        set_num_threads(1);
        try { return TrainSingleThreaded(); }
        finally { set_num_threads(threads); }
    }

    private CorrelationTrainingResult TrainSingleThreaded()
    {
        var o = options;
        var total = Stopwatch.StartNew();
        manual_seed(o.Seed);
        var rng = new Random(o.Seed);

        // Patients: a test share of each simulator, held out entirely.
        var patients = new List<PatientData>();
        var cohort = new CohortSimulator(o.Seed).Simulate(o.CohortPatients, o.Days, LastDay);
        var cohortTest = TestSet(o.CohortPatients, rng);
        for (var i = 0; i < cohort.Count; i++) patients.Add(new(patients.Count, cohort[i].Observations, false, null, cohortTest.Contains(i)));
        var planted = new PlantedEffectSimulator(o.Seed + 1, new PlantedEffectOptions
        {
            Days = o.Days, MinLag = 1, MaxLag = 7, Correlation = o.PlantedCorrelation, Symptoms = [Symptom],
        }).Simulate(o.PlantedPatients, LastDay);
        var plantedTest = TestSet(o.PlantedPatients, rng);
        for (var i = 0; i < planted.Count; i++) patients.Add(new(patients.Count, planted[i].Observations, true, planted[i].Effect, plantedTest.Contains(i)));

        // Symptom scaling from the training patients' training period.
        var cutoff = LastDay.AddDays(-(int)Math.Round(o.Days * o.HeldOutDayFraction) + 1); // first held-out target day
        var trainMoods = patients.Where(p => !p.Test).SelectMany(p => p.Observations)
            .Where(x => x.Type == Symptom && DateOnly.FromDateTime(x.Time.UtcDateTime) < cutoff).Select(x => x.Value).ToList();
        var center = trainMoods.Average();
        var scale = Math.Sqrt(trainMoods.Sum(v => (v - center) * (v - center)) / (trainMoods.Count - 1));

        var train = new List<Example>();
        var validation = new List<Example>();
        var test = new List<Example>();
        foreach (var p in patients)
        {
            var moods = p.Observations.Where(x => x.Type == Symptom).ToList();
            var byDay = new Dictionary<DateOnly, double>();
            foreach (var g in moods.GroupBy(x => DateOnly.FromDateTime(x.Time.UtcDateTime))) byDay[g.Key] = g.Average(x => x.Value);
            var first = LastDay.AddDays(-(o.Days - 1));
            var observations = (IReadOnlyCollection<Observation>)p.Observations;
            for (var end = first.AddDays(o.Window - 1); end < LastDay; end = end.AddDays(1))
            {
                var target = end.AddDays(1);
                if (!byDay.TryGetValue(target, out var value)) continue;
                var late = target >= cutoff;
                if (p.Test && !late) continue;
                var example = new Example(CorrelationWindow.Build(observations, Symptom, end, o.Window, center, scale), value, p.Id, p.Planted, p.Effect);
                (p.Test ? test : late ? validation : train).Add(example);
            }
        }
        progress?.Invoke($"windows: train {train.Count}, validation {validation.Count}, test {test.Count} " +
                         $"(patients: {patients.Count(p => !p.Test)} train, {patients.Count(p => p.Test)} test; held-out days from {cutoff:yyyy-MM-dd})");

        var metadata = new CorrelationModelMetadata
        {
            Version = o.Version, Symptom = Symptom.Name, Window = o.Window, Modalities = CorrelationWindow.Modalities,
            Embedding = o.Embedding, Hidden = o.Hidden, SymptomCenter = center, SymptomScale = scale, Seed = o.Seed,
            TrainedAt = DateTimeOffset.UtcNow, Metrics = null!,
        };
        var net = new BiLstmAttentionNet(CorrelationWindow.Modalities.Count, o.Embedding, o.Hidden);
        var model = new CorrelationModel(net, metadata);
        var watch = Stopwatch.StartNew();
        var (epochs, bestMse, mseByEpoch) = Fit(net, model, train, validation, center, scale);
        var modelSeconds = watch.Elapsed.TotalSeconds;

        watch.Restart();
        var ridge = RidgeBaseline.Fit(train, validation, o.Window, e => e.Input, e => e.Target);
        var baselineSeconds = watch.Elapsed.TotalSeconds;
        progress?.Invoke($"ridge baseline: λ = {ridge.Lambda}, {ridge.FeatureCount} features, {baselineSeconds:F1}s");

        // Test accuracy.
        var outputs = PredictAll(model, test);
        var trainMean = train.Average(e => e.Target);
        var rows = new List<AccuracyRow>();
        foreach (var (subset, filter) in new (string, Func<Example, bool>)[]
                 {
                     ("all held-out patients", _ => true), ("cohort simulator patients", e => !e.Planted), ("planted-effect patients", e => e.Planted),
                 })
        {
            var idx = Enumerable.Range(0, test.Count).Where(i => filter(test[i])).ToList();
            if (idx.Count == 0) continue;
            AccuracyRow Row(string name, Func<int, double> predict)
            {
                var errors = idx.Select(i => predict(i) - test[i].Target).ToList();
                return new AccuracyRow(subset, name, idx.Count, Round(errors.Average(Math.Abs)), Round(Math.Sqrt(errors.Average(x => x * x))));
            }
            rows.Add(Row("BiLSTM + attention", i => outputs[i].NextDaySymptom));
            rows.Add(Row("ridge lag regression", i => Math.Clamp(ridge.Predict(test[i].Input), Symptom.Min, Symptom.Max)));
            rows.Add(Row("last observed value", i => LastValue(test[i].Input, center, scale)));
            rows.Add(Row("training mean", _ => trainMean));
        }
        foreach (var r in rows) progress?.Invoke($"{r.Subset,-28} {r.Predictor,-22} MAE {r.Mae:F3}  RMSE {r.Rmse:F3}  ({r.Windows} windows)");

        var attention = Attention(test, outputs);
        progress?.Invoke($"attention on planted test patients: mean α at planted lag {attention.MeanAtPlantedLag:F3} vs other lags 1–7 {attention.MeanAtOtherLags:F3} " +
                         $"(uniform {attention.Uniform:F3}); planted biometric top biometric for {attention.PlantedBiometricTop}/{attention.Patients}");

        watch.Restart();
        var discovery = new List<PlantedEffectValidationResult>();
        if (o.DiscoveryPatients > 0)
        {
            foreach (var missing in new[] { 0.0, 0.1 })
                foreach (var method in new[] { CorrelationMethod.Pearson, CorrelationMethod.Spearman })
                {
                    var r = PlantedEffectValidation.Run(o.DiscoveryPatients, method, o.Seed + 2,
                        new PlantedEffectOptions { Days = 180, Correlation = 0.4, MissingProbability = missing });
                    discovery.Add(r);
                    progress?.Invoke($"discovery ({method}, {missing:P0} days missing): planted first {r.PlantedRankedFirst}/{r.Patients}, null q<0.05 {r.NullSignificant}/{r.NullTests}");
                }
        }
        var discoverySeconds = watch.Elapsed.TotalSeconds;

        var all = rows.Where(r => r.Subset == "all held-out patients").ToDictionary(r => r.Predictor);
        metadata = metadata with
        {
            TrainedAt = DateTimeOffset.UtcNow,
            Metrics = new CorrelationMetricsSummary
            {
                TestPatients = patients.Count(p => p.Test), TestWindows = test.Count,
                Mae = all["BiLSTM + attention"].Mae, Rmse = all["BiLSTM + attention"].Rmse,
                MaeBaseline = all["ridge lag regression"].Mae, RmseBaseline = all["ridge lag regression"].Rmse,
                MaeMean = all["training mean"].Mae, RmseMean = all["training mean"].Rmse,
                Epochs = epochs, BestValidationMse = Round(bestMse),
            },
        };
        var finalModel = new CorrelationModel(net, metadata);
        var report = new CorrelationReport
        {
            Version = o.Version, Options = o,
            Data = new CorrelationDataSummary(o.CohortPatients, o.PlantedPatients, patients.Count(p => p.Test), train.Count, validation.Count, test.Count,
                cutoff, Round(center), Round(scale)),
            Accuracy = rows, Attention = attention, Discovery = discovery,
            Training = new CorrelationTrainingSummary(epochs, Round(bestMse), mseByEpoch.Select(Round).ToList(), ridge.Lambda, ridge.FeatureCount,
                Round(modelSeconds), Round(baselineSeconds), Round(discoverySeconds), Round(total.Elapsed.TotalSeconds)),
        };
        return new CorrelationTrainingResult(finalModel, report);
    }

    private HashSet<int> TestSet(int count, Random rng)
    {
        var order = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(order);
        return [.. order.Take(Math.Max(1, (int)Math.Round(count * options.TestPatientFraction)))];
    }

    private (int Epochs, double Best, List<double> Losses) Fit(BiLstmAttentionNet net, CorrelationModel model, List<Example> train, List<Example> validation,
        double center, double scale)
    {
        var o = options;
        var m = CorrelationWindow.Modalities.Count;
        using var trainX = CorrelationModel.Tensor(train.Select(e => e.Input).ToList(), o.Window, m, null).DetachFromDisposeScope();
        using var trainY = tensor(train.Select(e => (float)((e.Target - center) / scale)).ToArray()).DetachFromDisposeScope();
        var optimizer = optim.AdamW(net.parameters(), lr: o.LearningRate, weight_decay: o.WeightDecay);
        var rng = new Random(o.Seed + 3);
        var order = Enumerable.Range(0, train.Count).ToArray();
        using var stopping = new EarlyStopping(o.Patience, progress);
        var losses = new List<double>();
        var epochs = 0;
        var clock = Stopwatch.StartNew();
        for (var epoch = 1; epoch <= o.MaxEpochs; epoch++)
        {
            epochs = epoch;
            net.train();
            rng.Shuffle(order);
            var trainLoss = 0.0;
            for (var start = 0; start < order.Length; start += o.BatchSize)
            {
                using var scope = NewDisposeScope();
                var count = Math.Min(o.BatchSize, order.Length - start);
                var index = tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray());
                optimizer.zero_grad();
                var (prediction, _, _) = net.forward(trainX.index_select(0, index));
                var loss = nn.functional.mse_loss(prediction, trainY.index_select(0, index));
                loss.backward();
                nn.utils.clip_grad_norm_(net.parameters(), 1.0);
                optimizer.step();
                trainLoss += loss.item<float>() * count;
            }
            var validationMse = ValidationMse(model, validation, center, scale);
            losses.Add(validationMse);
            progress?.Invoke($"epoch {epoch,3}: train MSE {trainLoss / train.Count:F4}  validation MSE {validationMse:F4} (scaled)  ({clock.Elapsed.TotalSeconds:F0}s)");
            if (stopping.ShouldStop(net, validationMse)) break;
            if (clock.Elapsed.TotalSeconds > o.MaxTrainingSeconds)
            {
                progress?.Invoke($"time limit: {o.MaxTrainingSeconds:F0}s reached; keeping the best epoch");
                break;
            }
        }
        stopping.RestoreBest(net);
        net.eval();
        return (epochs, stopping.BestLoss, losses);
    }

    private const int EvalBatch = 1024;

    private static double ValidationMse(CorrelationModel model, List<Example> examples, double center, double scale)
    {
        var sum = 0.0;
        for (var start = 0; start < examples.Count; start += EvalBatch)
        {
            var items = examples.Skip(start).Take(EvalBatch).ToList();
            var (scaled, _, _) = model.Forward(items.Select(e => e.Input).ToList());
            for (var i = 0; i < items.Count; i++)
            {
                var d = scaled[i] - (items[i].Target - center) / scale;
                sum += d * d;
            }
        }
        return sum / examples.Count;
    }

    private static CorrelationWindowOutput[] PredictAll(CorrelationModel model, List<Example> examples)
    {
        var outputs = new List<CorrelationWindowOutput>(examples.Count);
        for (var start = 0; start < examples.Count; start += EvalBatch)
            outputs.AddRange(model.Predict(examples.Skip(start).Take(EvalBatch).Select(e => e.Input).ToList()));
        return [.. outputs];
    }

    /// <summary>The last day's symptom value (forward-filled), back in symptom units: the persistence forecast.</summary>
    private static double LastValue(CorrelationWindowInput input, double center, double scale)
    {
        var m = CorrelationWindow.Modalities.Count;
        return center + scale * input.Values[input.Values.Length - m + m - 1];
    }

    /// <summary>Where the attention points on planted-effect test patients, against the planted lag and biometric.</summary>
    private AttentionSummary Attention(List<Example> test, CorrelationWindowOutput[] outputs)
    {
        var w = options.Window;
        var byLag = new double[w];
        var modality = CorrelationWindow.Modalities.ToDictionary(x => x, _ => 0.0);
        int windows = 0, argmaxPlanted = 0, topBiometric = 0;
        double atPlanted = 0, atOther = 0, plantedShare = 0, otherShare = 0;
        var groups = Enumerable.Range(0, test.Count).Where(i => test[i].Planted).GroupBy(i => test[i].Patient).ToList();
        var perLag = new Dictionary<int, (double Sum, int Count)>();
        foreach (var g in groups)
        {
            var effect = test[g.First()].Effect!;
            var alpha = new double[w]; // index lag − 1
            var share = CorrelationWindow.Modalities.ToDictionary(x => x, _ => 0.0);
            foreach (var i in g)
            {
                for (var t = 0; t < w; t++) alpha[w - 1 - t] += outputs[i].TemporalImportance[t];
                foreach (var (k, v) in outputs[i].ModalityImportance) share[k] += v;
                windows++;
            }
            var n = g.Count();
            for (var l = 0; l < w; l++) { alpha[l] /= n; byLag[l] += alpha[l]; }
            foreach (var k in share.Keys.ToList()) { share[k] /= n; modality[k] += share[k]; }
            var lagIndex = effect.LagDays - 1;
            atPlanted += alpha[lagIndex];
            atOther += Enumerable.Range(0, Math.Min(7, w)).Where(l => l != lagIndex).Average(l => alpha[l]);
            if (Array.IndexOf(alpha, alpha.Max()) == lagIndex) argmaxPlanted++;
            perLag[effect.LagDays] = perLag.TryGetValue(effect.LagDays, out var acc) ? (acc.Sum + alpha[lagIndex], acc.Count + 1) : (alpha[lagIndex], 1);
            var planted = share[effect.Biometric.Name];
            var others = CorrelationWindow.Biometrics.Where(b => b != effect.Biometric).Select(b => share[b.Name]).ToList();
            plantedShare += planted;
            otherShare += others.Average();
            if (planted > others.Max()) topBiometric++;
        }
        var patients = Math.Max(1, groups.Count);
        return new AttentionSummary
        {
            Patients = groups.Count, Windows = windows, Uniform = Round(1.0 / w),
            TemporalByLag = byLag.Select(x => Round(x / patients)).ToList(),
            MeanAtPlantedLag = Round(atPlanted / patients), MeanAtOtherLags = Round(atOther / patients),
            PlantedLagIsArgmax = argmaxPlanted,
            MeanAtPlantedLagByLag = perLag.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture),
                kv => Round(kv.Value.Sum / kv.Value.Count)),
            ModalityMean = modality.ToDictionary(kv => kv.Key, kv => Round(kv.Value / patients)),
            PlantedBiometricShare = Round(plantedShare / patients), OtherBiometricShare = Round(otherShare / patients),
            PlantedBiometricTop = topBiometric,
        };
    }

    internal static double Round(double x) => Math.Round(x, 4);

    /// <summary>
    /// Linear lag-regression baseline: ridge (closed form, MathNet) on the same window inputs — each biometric's scaled
    /// values at lags 1..8 before the target day, the symptom's scaled values at lags 1..7 and its window mean (the
    /// patient's level), and an unpenalised intercept. λ is chosen on the validation windows.
    /// </summary>
    internal sealed class RidgeBaseline
    {
        private const int BiometricLags = 8;
        private const int SymptomLags = 7;
        private readonly Vector<double> _beta;
        private readonly int _window;

        private RidgeBaseline(Vector<double> beta, int window, double lambda)
        {
            _beta = beta;
            _window = window;
            Lambda = lambda;
        }

        public double Lambda { get; }
        public int FeatureCount => _beta.Count;

        public static RidgeBaseline Fit<T>(List<T> train, List<T> validation, int window, Func<T, CorrelationWindowInput> input, Func<T, double> target)
        {
            var x = Matrix<double>.Build.DenseOfRowArrays(train.Select(e => Features(input(e), window)));
            var y = Vector<double>.Build.DenseOfEnumerable(train.Select(target));
            var xv = Matrix<double>.Build.DenseOfRowArrays(validation.Select(e => Features(input(e), window)));
            var yv = Vector<double>.Build.DenseOfEnumerable(validation.Select(target));
            var xtx = x.TransposeThisAndMultiply(x);
            var xty = x.TransposeThisAndMultiply(y);
            RidgeBaseline? best = null;
            var bestMse = double.PositiveInfinity;
            foreach (var lambda in new[] { 0.01, 0.1, 1, 10, 100, 1000 })
            {
                var penalty = Matrix<double>.Build.DenseIdentity(xtx.RowCount) * lambda;
                penalty[0, 0] = 0; // intercept
                var beta = (xtx + penalty).Solve(xty);
                var residual = xv * beta - yv;
                var mse = residual.DotProduct(residual) / Math.Max(1, yv.Count);
                if (mse < bestMse) { bestMse = mse; best = new RidgeBaseline(beta, window, lambda); }
            }
            return best!;
        }

        public double Predict(CorrelationWindowInput input) => Vector<double>.Build.DenseOfArray(Features(input, _window)).DotProduct(_beta);

        private static double[] Features(CorrelationWindowInput input, int window)
        {
            var m = CorrelationWindow.Modalities.Count;
            var biometrics = CorrelationWindow.Biometrics.Count;
            var features = new double[1 + biometrics * BiometricLags + SymptomLags + 1];
            features[0] = 1;
            var f = 1;
            for (var b = 0; b < biometrics; b++)
                for (var lag = 1; lag <= BiometricLags; lag++)
                    features[f++] = lag <= window ? input.Values[(window - lag) * m + b] : 0;
            for (var lag = 1; lag <= SymptomLags; lag++)
                features[f++] = lag <= window ? input.Values[(window - lag) * m + m - 1] : 0;
            var mean = 0.0;
            for (var d = 0; d < window; d++) mean += input.Values[d * m + m - 1];
            features[f] = mean / window;
            return features;
        }
    }
}
