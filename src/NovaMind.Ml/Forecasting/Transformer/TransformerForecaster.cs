using System.Diagnostics;
using System.Text.Json;
using NovaMind.Domain.Forecasting;
using TorchSharp;
using static TorchSharp.torch;

namespace NovaMind.Ml.Forecasting;

public sealed record TransformerForecastOptions
{
    public int Window { get; init; } = SequenceWindowBuilder.DefaultWindow;
    public int MaxHorizon { get; init; } = SequenceWindowBuilder.DefaultHorizon;
    public int ModelDim { get; init; } = 32;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int FeedForward { get; init; } = 64;
    public double Dropout { get; init; } = 0.0;
    public int MaxEpochs { get; init; } = 30;
    public int Patience { get; init; } = 4;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 2e-3;
    public int Seed { get; init; } = 20261126;
}

/// <summary>Per-horizon forecast in the symptom's units: Gaussian mean and sd for horizons 1..H.</summary>
public sealed record TransformerForecast(double[] Mean, double[] Sd);

public sealed record TransformerForecastMetadata
{
    public required string Symptom { get; init; }
    public required int Window { get; init; }
    public required int MaxHorizon { get; init; }
    public required int ModelDim { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int FeedForward { get; init; }
    public required int Seed { get; init; }
    public required IReadOnlyList<string> EncoderFeatures { get; init; }
    public required IReadOnlyList<string> DecoderFeatures { get; init; }
    /// <summary>How inputs are normalised (the scaler itself is per patient and per origin, fitted on days ≤ t).</summary>
    public required string Normaliser { get; init; }
    public required int Epochs { get; init; }
    public required double BestValidationLoss { get; init; }
}

/// <summary>
/// Multi-horizon Transformer forecaster: trained with teacher forcing (the decoder sees the true previous value) on a
/// Gaussian NLL, early-stopped on the validation loss of autoregressive decoding (the model feeding its own means, as at
/// inference). Deterministic per seed; one torch thread while training (docs/decisions/0008).
/// </summary>
public sealed class TransformerForecaster : IDisposable
{
    public const string WeightsFile = "model.bin";
    public const string MetadataFile = "metadata.json";
    public const string NormaliserDescription = "per-patient RobustScaler (median, IQR/1.349) fitted on observed days <= origin; carried forward over gaps";

    private readonly TransformerForecastNet _net;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private readonly bool _emulatedHalf;

    /// <param name="emulatedHalf">Weights (already rounded by the caller) and inputs rounded to fp16, arithmetic in fp32.</param>
    private TransformerForecaster(TransformerForecastNet net, TransformerForecastMetadata metadata, Device? device = null, ScalarType dtype = ScalarType.Float32, bool emulatedHalf = false)
    {
        _net = net;
        _net.eval();
        _device = device ?? CPU;
        _dtype = dtype;
        _emulatedHalf = emulatedHalf;
        if (_device.type != DeviceType.CPU || _dtype != ScalarType.Float32) _net.Place(_device, _dtype);
        Metadata = metadata;
    }

    public TransformerForecastMetadata Metadata { get; }
    public int MaxHorizon => Metadata.MaxHorizon;

    /// <summary>Where and in which precision the forecaster runs, e.g. "cpu fp32", "cuda:0 fp16".</summary>
    public string Precision => $"{_device} {(_emulatedHalf ? "fp16 storage emulated in fp32" : _dtype == ScalarType.Float16 ? "fp16" : "fp32")}";

    public static TransformerForecaster Train(TransformerForecastOptions options, IReadOnlyList<SequenceWindow> train, IReadOnlyList<SequenceWindow> validation,
        string symptom = "mood", Action<string>? progress = null)
    {
        if (train.Count == 0) throw new ArgumentException("no training windows", nameof(train));
        var threads = get_num_threads();
        set_num_threads(1);
        try { return TrainSingleThreaded(options, train, validation, symptom, progress); }
        finally { set_num_threads(threads); }
    }

    private static TransformerForecaster TrainSingleThreaded(TransformerForecastOptions o, IReadOnlyList<SequenceWindow> train, IReadOnlyList<SequenceWindow> validation,
        string symptom, Action<string>? progress)
    {
        Check(train, o.Window, o.MaxHorizon);
        Check(validation, o.Window, o.MaxHorizon);
        manual_seed(o.Seed);
        var net = NewNet(o.Window, o.MaxHorizon, o.ModelDim, o.Layers, o.Heads, o.FeedForward, o.Dropout);
        using var optimizer = optim.Adam(net.parameters(), lr: o.LearningRate);
        var rng = new Random(o.Seed);
        using var stopping = new EarlyStopping(o.Patience, progress);
        var epochs = 0;
        var clock = Stopwatch.StartNew();
        for (var epoch = 1; epoch <= o.MaxEpochs; epoch++)
        {
            epochs = epoch;
            net.train();
            var order = Enumerable.Range(0, train.Count).ToArray();
            rng.Shuffle(order);
            var trainLoss = 0.0;
            for (var start = 0; start < order.Length; start += o.BatchSize)
            {
                using var scope = NewDisposeScope();
                var batch = order.Skip(start).Take(o.BatchSize).Select(i => train[i]).ToArray();
                var (enc, dec, last, y, m) = Tensors(batch, teacherForcing: true);
                optimizer.zero_grad();
                var (mean, sigma) = net.forward(enc, dec, last);
                var loss = GaussianLoss.MaskedNll(mean, sigma, y, m);
                loss.backward();
                nn.utils.clip_grad_norm_(net.parameters(), 1.0);
                optimizer.step();
                trainLoss += loss.item<float>() * batch.Length;
            }
            var validationLoss = validation.Count > 0 ? ValidationLoss(net, validation) : trainLoss / train.Count;
            progress?.Invoke($"epoch {epoch,3}: train nll {trainLoss / train.Count:F4}  validation nll (autoregressive) {validationLoss:F4}  {clock.Elapsed.TotalSeconds:F1} s");
            if (stopping.ShouldStop(net, validationLoss)) break;
        }
        stopping.RestoreBest(net);
        return new TransformerForecaster(net, new TransformerForecastMetadata
        {
            Symptom = symptom,
            Window = o.Window,
            MaxHorizon = o.MaxHorizon,
            ModelDim = o.ModelDim,
            Layers = o.Layers,
            Heads = o.Heads,
            FeedForward = o.FeedForward,
            Seed = o.Seed,
            EncoderFeatures = SequenceWindowBuilder.EncoderFeatures,
            DecoderFeatures = SequenceWindowBuilder.DecoderFeatures,
            Normaliser = NormaliserDescription,
            Epochs = epochs,
            BestValidationLoss = Math.Round(stopping.BestLoss, 6),
        });
    }

    /// <summary>Autoregressive forecasts in the symptom's units. Reads only the encoder inputs, calendars and last value.</summary>
    /// <param name="parallelism">
    /// Batches decoded at once, each on its own thread with one libtorch thread (offline evaluation: the autoregressive
    /// decoder's small ops gain little from intra-op threads, whole batches side by side use every core). Batches are the
    /// same whatever the setting. Not for serving, where the inference scheduler owns the device.
    /// </param>
    public TransformerForecast[] Predict(IReadOnlyList<SequenceWindow> windows, int batchSize = 256, int parallelism = 1)
    {
        Check(windows, Metadata.Window, Metadata.MaxHorizon);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var result = new TransformerForecast[windows.Count];
        var starts = Enumerable.Range(0, (windows.Count + batchSize - 1) / batchSize).Select(b => b * batchSize).ToArray();
        if (parallelism == 1 || starts.Length == 1)
        {
            foreach (var start in starts) PredictBatch(windows, start, batchSize, result);
            return result;
        }
        var threads = get_num_threads();
        set_num_threads(1);
        try { Parallel.ForEach(starts, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, start => PredictBatch(windows, start, batchSize, result)); }
        finally { set_num_threads(threads); }
        return result;
    }

    private void PredictBatch(IReadOnlyList<SequenceWindow> windows, int start, int batchSize, TransformerForecast[] result)
    {
        var batch = windows.Skip(start).Take(batchSize).ToArray();
        var (mean, sigma) = PredictNormalised(batch);
        var h = Metadata.MaxHorizon;
        for (var b = 0; b < batch.Length; b++)
        {
            var scaler = batch[b].Scaler;
            var mu = new double[h];
            var sd = new double[h];
            for (var k = 0; k < h; k++)
            {
                mu[k] = scaler.Denormalise(mean[b * h + k]);
                sd[k] = sigma[b * h + k] * scaler.Scale;
            }
            result[start + b] = new TransformerForecast(mu, sd);
        }
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        _net.save(Path.Combine(directory, WeightsFile));
        File.WriteAllText(Path.Combine(directory, MetadataFile), JsonSerializer.Serialize(Metadata, ModelArtifacts.Json));
    }

    /// <summary>Loads a saved forecaster onto <paramref name="device"/> (default CPU).</summary>
    /// <param name="halfPrecision">fp16 weights and inputs; only on CUDA (CPU stays fp32).</param>
    public static TransformerForecaster Load(string directory, Device? device = null, bool halfPrecision = false)
    {
        var metadata = JsonSerializer.Deserialize<TransformerForecastMetadata>(File.ReadAllText(Path.Combine(directory, MetadataFile)), ModelArtifacts.Json)
                       ?? throw new InvalidDataException($"{directory}/{MetadataFile} is empty");
        if (!metadata.EncoderFeatures.SequenceEqual(SequenceWindowBuilder.EncoderFeatures) || !metadata.DecoderFeatures.SequenceEqual(SequenceWindowBuilder.DecoderFeatures))
            throw new InvalidDataException($"{directory}: the model's feature list differs from this build's");
        var net = NewNet(metadata);
        net.load(Path.Combine(directory, WeightsFile));
        device ??= CPU;
        var dtype = halfPrecision && device.type == DeviceType.CUDA ? ScalarType.Float16 : ScalarType.Float32;
        return new TransformerForecaster(net, metadata, device, dtype);
    }

    /// <summary>
    /// A copy of this forecaster in fp16 on the CPU, to measure what fp16 does to the forecasts where there is no GPU:
    /// real half kernels, or (<paramref name="emulated"/>) weights and inputs rounded to fp16 with fp32 arithmetic.
    /// Serving never runs fp16 on the CPU.
    /// </summary>
    public TransformerForecaster HalfPrecisionCopyOnCpu(bool emulated)
    {
        var net = NewNet(Metadata);
        using (NewDisposeScope())
        using (no_grad())
            net.load_state_dict(_net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float32, CPU)));
        if (!emulated) return new TransformerForecaster(net, Metadata, CPU, ScalarType.Float16);
        net.RoundWeightsToHalf();
        return new TransformerForecaster(net, Metadata, CPU, ScalarType.Float32, emulatedHalf: true);
    }

    public void Dispose() => _net.Dispose();

    private static TransformerForecastNet NewNet(int window, int horizon, int dim, int layers, int heads, int feedForward, double dropout) =>
        new(window, horizon, SequenceWindowBuilder.EncoderFeatures.Count, SequenceWindowBuilder.DecoderFeatures.Count, dim, layers, heads, feedForward, dropout);

    private static TransformerForecastNet NewNet(TransformerForecastMetadata m) => NewNet(m.Window, m.MaxHorizon, m.ModelDim, m.Layers, m.Heads, m.FeedForward, 0);

    /// <summary>Normalised mean and sigma, row-major [batch, H], as fp32 on the CPU whatever the model's device and precision.</summary>
    private (float[] Mean, float[] Sigma) PredictNormalised(IReadOnlyList<SequenceWindow> batch)
    {
        _net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (enc, dec, last, _, _) = Tensors(batch, teacherForcing: false, withTargets: false);
        var (mean, sigma) = Autoregressive(_net, Prepare(enc), Prepare(dec), Prepare(last));
        return (mean.to(ScalarType.Float32, CPU).data<float>().ToArray(), sigma.to(ScalarType.Float32, CPU).data<float>().ToArray());
    }

    /// <summary>An input on the model's device and in its precision (emulated fp16: rounded to half and back).</summary>
    private Tensor Prepare(Tensor input) => _emulatedHalf ? input.to(ScalarType.Float16).to(ScalarType.Float32) : input.to(_dtype, _device);

    private static (Tensor Mean, Tensor Sigma) Autoregressive(TransformerForecastNet net, IReadOnlyList<SequenceWindow> batch)
    {
        var (enc, dec, last, _, _) = Tensors(batch, teacherForcing: false, withTargets: false);
        return Autoregressive(net, enc, dec, last);
    }

    /// <summary>Autoregressive decoding: encode once, then for h = 1..H decode the prefix and feed the mean back as the next input.</summary>
    private static (Tensor Mean, Tensor Sigma) Autoregressive(TransformerForecastNet net, Tensor enc, Tensor dec, Tensor last)
    {
        var memory = net.Encode(enc);
        var h = (int)dec.shape[1];
        Tensor mean = null!, sigma = null!;
        var prev = last.unsqueeze(1); // [batch, 1]
        var inputs = new List<Tensor>();
        for (var k = 0; k < h; k++)
        {
            inputs.Add(cat([prev, dec[.., k, 1..]], 1).unsqueeze(1)); // [batch, 1, 3]
            (mean, sigma) = net.Decode(memory, cat(inputs, 1), last);
            prev = mean[.., k].unsqueeze(1);
        }
        return (mean, sigma);
    }

    private static double ValidationLoss(TransformerForecastNet net, IReadOnlyList<SequenceWindow> validation)
    {
        net.eval();
        using var noGrad = no_grad();
        double total = 0, weight = 0;
        for (var start = 0; start < validation.Count; start += 512)
        {
            using var scope = NewDisposeScope();
            var batch = validation.Skip(start).Take(512).ToArray();
            var (mean, sigma) = Autoregressive(net, batch);
            var (_, _, _, y, m) = Tensors(batch, teacherForcing: false);
            var count = m.sum().item<float>();
            total += GaussianLoss.MaskedNll(mean, sigma, y, m).item<float>() * count;
            weight += count;
        }
        return total / Math.Max(1, weight);
    }

    /// <summary>Batch tensors; the decoder's previous-value column is the teacher input, or 0 (filled during decoding) when not teacher forcing; targets only when asked (inference never reads them).</summary>
    private static (Tensor Enc, Tensor Dec, Tensor Last, Tensor Y, Tensor M) Tensors(IReadOnlyList<SequenceWindow> batch, bool teacherForcing, bool withTargets = true)
    {
        var n = batch.Count;
        var w = batch[0].Window;
        var h = batch[0].Horizon;
        var fe = SequenceWindowBuilder.EncoderFeatures.Count;
        var fd = SequenceWindowBuilder.DecoderFeatures.Count;
        var enc = new float[n * w * fe];
        var dec = new float[n * h * fd];
        var last = new float[n];
        var y = new float[n * h];
        var m = new float[n * h];
        for (var b = 0; b < n; b++)
        {
            var s = batch[b];
            Array.Copy(s.Encoder, 0, enc, b * w * fe, w * fe);
            last[b] = s.LastValue;
            for (var k = 0; k < h; k++)
            {
                var row = (b * h + k) * fd;
                dec[row] = teacherForcing ? s.TeacherInputs[k] : 0;
                dec[row + 1] = s.DecoderCalendar[k * 2];
                dec[row + 2] = s.DecoderCalendar[k * 2 + 1];
                if (!withTargets) continue;
                y[b * h + k] = s.TargetMask[k] > 0 ? s.Targets[k] : 0;
                m[b * h + k] = s.TargetMask[k];
            }
        }
        return (tensor(enc, [n, w, fe]), tensor(dec, [n, h, fd]), tensor(last, [n]), tensor(y, [n, h]), tensor(m, [n, h]));
    }

    private static void Check(IReadOnlyList<SequenceWindow> windows, int window, int horizon)
    {
        foreach (var s in windows)
            if (s.Window != window || s.Horizon != horizon)
                throw new ArgumentException($"window of {s.Window} days × {s.Horizon} horizons; the model expects {window} × {horizon}");
    }
}
