using System.Text.Json;
using System.Text.Json.Serialization;
using NovaMind.Ml.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace NovaMind.Ml.Forecasting;

/// <summary>Model input: <c>ForecastWindow.Length</c> days of scaled values and the observed mask.</summary>
public sealed record ForecastInput(float[] Scaled, float[] Mask);

/// <summary>Per-horizon Gaussian in scaled units, horizons 1..MaxHorizon.</summary>
public sealed record ForecastOutput(float[] Mean, float[] Sigma);

public sealed record ForecastModelMetadata
{
    public required string Version { get; init; }
    public required string Symptom { get; init; }
    public required int Window { get; init; }
    public required int MaxHorizon { get; init; }
    public required int Hidden { get; init; }
    public required int Seed { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
    public required ForecastValidationMetrics Metrics { get; init; }

    public static readonly JsonSerializerOptions Json = ModelArtifacts.Json;
}

public sealed record ForecastValidationMetrics
{
    public required int TestPatients { get; init; }
    public required int TestWindows { get; init; }
    public required double[] MaeModel { get; init; }
    public required double[] MaeLastValue { get; init; }
    public required double Coverage80 { get; init; }
    public required double Coverage95 { get; init; }
    public required int Epochs { get; init; }
    public required double BestValidationNll { get; init; }
}

/// <summary>
/// A trained forecaster loaded from its artifact folder (<c>models/forecast/&lt;version&gt;/</c>), evaluated in
/// batches: eval mode, no autograd, every tensor inside a dispose scope.
/// </summary>
public sealed class ForecastModel : IBatchModel<ForecastInput, ForecastOutput>, IDisposable
{
    public const string WeightsFile = "model.bin";
    public const string MetadataFile = "metadata.json";
    public const string CurrentFile = ModelArtifacts.CurrentFile;

    private readonly ForecastNet _net;
    private readonly Device _device;
    private readonly ScalarType _dtype;

    /// <param name="halfPrecision">fp16 weights and inputs; only on CUDA (CPU stays fp32).</param>
    public ForecastModel(ForecastNet net, ForecastModelMetadata metadata, Device? device = null, bool halfPrecision = false)
    {
        _device = device ?? CPU;
        _dtype = halfPrecision && _device.type == DeviceType.CUDA ? ScalarType.Float16 : ScalarType.Float32;
        _net = net;
        _net.eval();
        if (_device.type != DeviceType.CPU) _net.to(_device);
        if (_dtype == ScalarType.Float16) _net.half();
        Metadata = metadata;
    }

    public string DeviceName => _dtype == ScalarType.Float16 ? $"{_device} fp16" : $"{_device}";

    public ForecastModelMetadata Metadata { get; }
    public string Version => Metadata.Version;
    public int MaxHorizon => Metadata.MaxHorizon;

    /// <summary>Loads the version named by <c>CURRENT</c> under <paramref name="forecastRoot"/>.</summary>
    public static ForecastModel LoadCurrent(string forecastRoot, Device? device = null, bool halfPrecision = false)
    {
        return Load(ModelArtifacts.CurrentDirectory(forecastRoot, "forecast model", "./novamind train forecast"), device, halfPrecision);
    }

    public static ForecastModel Load(string artifactDirectory, Device? device = null, bool halfPrecision = false)
    {
        var metadata = JsonSerializer.Deserialize<ForecastModelMetadata>(File.ReadAllText(Path.Combine(artifactDirectory, MetadataFile)), ForecastModelMetadata.Json)
                       ?? throw new InvalidDataException($"{artifactDirectory}/{MetadataFile} is empty");
        var net = new ForecastNet(metadata.Window, metadata.MaxHorizon, metadata.Hidden);
        net.load(Path.Combine(artifactDirectory, WeightsFile));
        return new ForecastModel(net, metadata, device, halfPrecision);
    }

    public void Save(string artifactDirectory)
    {
        Directory.CreateDirectory(artifactDirectory);
        _net.save(Path.Combine(artifactDirectory, WeightsFile));
        File.WriteAllText(Path.Combine(artifactDirectory, MetadataFile), JsonSerializer.Serialize(Metadata, ForecastModelMetadata.Json));
    }

    public ForecastOutput[] Predict(IReadOnlyList<ForecastInput> batch)
    {
        if (batch.Count == 0) return [];
        var window = Metadata.Window;
        var data = new float[batch.Count * window * 2];
        for (var b = 0; b < batch.Count; b++)
        {
            var input = batch[b];
            if (input.Scaled.Length != window || input.Mask.Length != window)
                throw new ArgumentException($"input {b} has {input.Scaled.Length} days; the model expects {window}");
            for (var t = 0; t < window; t++)
            {
                data[(b * window + t) * 2] = input.Scaled[t];
                data[(b * window + t) * 2 + 1] = input.Mask[t];
            }
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (mean, sigma) = _net.forward(tensor(data, [batch.Count, window, 2]).to(_dtype, _device));
        var means = mean.to(ScalarType.Float32, CPU).data<float>().ToArray();
        var sigmas = sigma.to(ScalarType.Float32, CPU).data<float>().ToArray();
        var outputs = new ForecastOutput[batch.Count];
        var h = Metadata.MaxHorizon;
        for (var b = 0; b < batch.Count; b++)
            outputs[b] = new ForecastOutput(means.AsSpan(b * h, h).ToArray(), sigmas.AsSpan(b * h, h).ToArray());
        return outputs;
    }

    public void Dispose() => _net.Dispose();
}
