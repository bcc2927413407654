using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Simulation;
using static TorchSharp.torch;

namespace NovaMind.Ml.Forecasting;

public sealed record ForecastTrainingOptions
{
    public int Seed { get; init; } = 20261126;
    public int Patients { get; init; } = 240;
    public int Days { get; init; } = 180;
    public int MaxHorizon { get; init; } = 28;
    public int Hidden { get; init; } = 64;
    public int MaxEpochs { get; init; } = 60;
    public int Patience { get; init; } = 6;
    public int BatchSize { get; init; } = 256;
    public double LearningRate { get; init; } = 2e-3;
    public required string Version { get; init; }

    public static ForecastTrainingOptions Quick(string version) =>
        new() { Version = version, Patients = 80, Days = 120, MaxEpochs = 12, Patience = 3 };
}

/// <summary>Windows cut from a cohort: inputs [n, window, 2], targets and target masks [n, horizon].</summary>
internal sealed record WindowSet(float[] Inputs, float[] Targets, float[] TargetMask, float[] LastScaled, int Count);

/// <summary>
/// Trains <see cref="ForecastNet"/> on the synthetic cohort: patients are split 70/15/15 into train,
/// validation (early stopping) and test (reported metrics), so the test figures are on unseen patients.
/// </summary>
public sealed class ForecastTrainer(ForecastTrainingOptions options, Action<string>? progress = null)
{
    private static readonly ObservationType Symptom = ObservationType.Mood;

    public ForecastModel Train()
    {
        manual_seed(options.Seed);
        var lastDay = new DateOnly(2026, 6, 30);
        var cohort = new CohortSimulator(options.Seed).Simulate(options.Patients, options.Days, lastDay);
        var nTrain = (int)(cohort.Count * 0.70);
        var nVal = (int)(cohort.Count * 0.15);
        var train = Cut(cohort.Take(nTrain));
        var validation = Cut(cohort.Skip(nTrain).Take(nVal));
        var test = Cut(cohort.Skip(nTrain + nVal));
        progress?.Invoke($"windows: train {train.Count}, validation {validation.Count}, test {test.Count}");

        var net = new ForecastNet(ForecastWindow.Length, options.MaxHorizon, options.Hidden);
        var optimizer = optim.Adam(net.parameters(), lr: options.LearningRate);
        var rng = new Random(options.Seed);
        using var stopping = new EarlyStopping(options.Patience, progress);
        var epochs = 0;
        for (var epoch = 1; epoch <= options.MaxEpochs; epoch++)
        {
            epochs = epoch;
            net.train();
            var order = Enumerable.Range(0, train.Count).OrderBy(_ => rng.Next()).ToArray();
            var trainLoss = 0.0;
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                var idx = order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start)).ToArray();
                var (x, y, m) = Batch(train, idx);
                optimizer.zero_grad();
                var (mean, sigma) = net.forward(x);
                var loss = ForecastNet.MaskedGaussianNll(mean, sigma, y, m);
                loss.backward();
                optimizer.step();
                trainLoss += loss.item<float>() * idx.Length;
            }
            var valNll = Evaluate(net, validation);
            progress?.Invoke($"epoch {epoch,3}: train nll {trainLoss / train.Count:F4}  validation nll {valNll:F4}");
            if (stopping.ShouldStop(net, valNll)) break;
        }
        stopping.RestoreBest(net);

        var metadata = new ForecastModelMetadata
        {
            Version = options.Version,
            Symptom = Symptom.Name,
            Window = ForecastWindow.Length,
            MaxHorizon = options.MaxHorizon,
            Hidden = options.Hidden,
            Seed = options.Seed,
            TrainedAt = DateTimeOffset.UtcNow,
            Metrics = null!,
        };
        var model = new ForecastModel(net, metadata);
        return new ForecastModel(net, metadata with { Metrics = TestMetrics(model, test, epochs, stopping.BestLoss, options.Patients - nTrain - nVal) });
    }

    private double Evaluate(ForecastNet net, WindowSet set)
    {
        net.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (x, y, m) = Batch(set, Enumerable.Range(0, set.Count).ToArray());
        var (mean, sigma) = net.forward(x);
        return ForecastNet.MaskedGaussianNll(mean, sigma, y, m).item<float>();
    }

    /// <summary>MAE per horizon in the symptom's units, against last-value; interval coverage over all horizons.</summary>
    private ForecastValidationMetrics TestMetrics(ForecastModel model, WindowSet test, int epochs, double bestNll, int testPatients)
    {
        var h = options.MaxHorizon;
        var inputs = new List<ForecastInput>(test.Count);
        for (var i = 0; i < test.Count; i++)
        {
            var scaled = new float[ForecastWindow.Length];
            var mask = new float[ForecastWindow.Length];
            for (var t = 0; t < ForecastWindow.Length; t++)
            {
                scaled[t] = test.Inputs[(i * ForecastWindow.Length + t) * 2];
                mask[t] = test.Inputs[(i * ForecastWindow.Length + t) * 2 + 1];
            }
            inputs.Add(new ForecastInput(scaled, mask));
        }
        var outputs = model.Predict(inputs);
        var range = Symptom.Max - Symptom.Min;
        var maeModel = new double[h];
        var maeLast = new double[h];
        var counts = new int[h];
        int covered80 = 0, covered95 = 0, total = 0;
        for (var i = 0; i < test.Count; i++)
        for (var k = 0; k < h; k++)
        {
            if (test.TargetMask[i * h + k] == 0) continue;
            var y = test.Targets[i * h + k];
            var mu = outputs[i].Mean[k];
            var sd = outputs[i].Sigma[k];
            maeModel[k] += Math.Abs(mu - y) * range;
            maeLast[k] += Math.Abs(test.LastScaled[i] - y) * range;
            counts[k]++;
            total++;
            if (Math.Abs(y - mu) <= PredictionInterval.Z80 * sd) covered80++;
            if (Math.Abs(y - mu) <= PredictionInterval.Z95 * sd) covered95++;
        }
        for (var k = 0; k < h; k++)
        {
            maeModel[k] = Math.Round(maeModel[k] / Math.Max(1, counts[k]), 4);
            maeLast[k] = Math.Round(maeLast[k] / Math.Max(1, counts[k]), 4);
        }
        return new ForecastValidationMetrics
        {
            TestPatients = testPatients,
            TestWindows = test.Count,
            MaeModel = maeModel,
            MaeLastValue = maeLast,
            Coverage80 = Math.Round((double)covered80 / Math.Max(1, total), 4),
            Coverage95 = Math.Round((double)covered95 / Math.Max(1, total), 4),
            Epochs = epochs,
            BestValidationNll = Math.Round(bestNll, 5),
        };
    }

    private WindowSet Cut(IEnumerable<SimulatedPatient> patients)
    {
        var w = ForecastWindow.Length;
        var h = options.MaxHorizon;
        var inputs = new List<float>();
        var targets = new List<float>();
        var masks = new List<float>();
        var last = new List<float>();
        foreach (var patient in patients)
        {
            if (DailySeries.LastObservedDay(patient.Observations, Symptom) is not { } end) continue;
            var moods = patient.Observations.Where(o => o.Type == Symptom).ToList();
            var first = DateOnly.FromDateTime(moods.Min(o => o.Time).UtcDateTime);
            for (var origin = first.AddDays(w - 1); origin.AddDays(1) <= end; origin = origin.AddDays(2))
            {
                if (ForecastWindow.TryBuild(moods, Symptom, origin, out _) is not { } window) continue;
                var future = DailySeries.Build(moods, Symptom, origin.AddDays(h), h);
                for (var t = 0; t < w; t++) { inputs.Add(window.Scaled[t]); inputs.Add(window.Mask[t]); }
                for (var k = 0; k < h; k++)
                {
                    targets.Add((float)ForecastWindow.Scale(Symptom, future.Values[k]));
                    masks.Add(future.Observed[k] ? 1f : 0f);
                }
                last.Add(window.Scaled[^1]);
            }
        }
        return new WindowSet([.. inputs], [.. targets], [.. masks], [.. last], last.Count);
    }

    private (Tensor X, Tensor Y, Tensor M) Batch(WindowSet set, int[] indices)
    {
        var w = ForecastWindow.Length;
        var h = options.MaxHorizon;
        var x = new float[indices.Length * w * 2];
        var y = new float[indices.Length * h];
        var m = new float[indices.Length * h];
        for (var j = 0; j < indices.Length; j++)
        {
            Array.Copy(set.Inputs, indices[j] * w * 2, x, j * w * 2, w * 2);
            Array.Copy(set.Targets, indices[j] * h, y, j * h, h);
            Array.Copy(set.TargetMask, indices[j] * h, m, j * h, h);
        }
        return (tensor(x, [indices.Length, w, 2]), tensor(y, [indices.Length, h]), tensor(m, [indices.Length, h]));
    }
}
