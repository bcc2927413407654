using System.Text.Json;
using System.Text.Json.Serialization;
using NovaMind.Domain.Observations;
using NovaMind.Ml.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace NovaMind.Ml.Correlation;

public sealed record CorrelationModelMetadata
{
    public required string Version { get; init; }
    /// <summary>The symptom the model predicts (its history is the last modality).</summary>
    public required string Symptom { get; init; }
    public required int Window { get; init; }
    public required IReadOnlyList<string> Modalities { get; init; }
    public required int Embedding { get; init; }
    public required int Hidden { get; init; }
    /// <summary>Symptom scaling: scaled = (value − center)/scale (training-set mean and SD).</summary>
    public required double SymptomCenter { get; init; }
    public required double SymptomScale { get; init; }
    public required int Seed { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
    public required CorrelationMetricsSummary Metrics { get; init; }

    public static readonly JsonSerializerOptions Json = ModelArtifacts.Json;
}

/// <summary>Headline held-out metrics (symptom units); the full tables are in report.json / report.md.</summary>
public sealed record CorrelationMetricsSummary
{
    public required int TestPatients { get; init; }
    public required int TestWindows { get; init; }
    public required double Mae { get; init; }
    public required double Rmse { get; init; }
    public required double MaeBaseline { get; init; }
    public required double RmseBaseline { get; init; }
    public required double MaeMean { get; init; }
    public required double RmseMean { get; init; }
    public required int Epochs { get; init; }
    public required double BestValidationMse { get; init; }
}

/// <summary>
/// The trained BiLSTM-attention correlation model from its artifact folder (<c>models/correlation/&lt;version&gt;/</c>),
/// evaluated in batches: eval mode, no autograd, every tensor inside a dispose scope.
/// </summary>
public sealed class CorrelationModel : IBatchModel<CorrelationWindowInput, CorrelationWindowOutput>, IDisposable
{
    public const string WeightsFile = "model.bin";
    public const string MetadataFile = "metadata.json";
    public const string CurrentFile = ModelArtifacts.CurrentFile;

    private readonly BiLstmAttentionNet _net;
    private readonly Device _device;

    public CorrelationModel(BiLstmAttentionNet net, CorrelationModelMetadata metadata, Device? device = null)
    {
        _device = device ?? CPU;
        _net = net;
        _net.eval();
        if (_device.type != DeviceType.CPU) _net.to(_device);
        Metadata = metadata;
        Symptom = ObservationType.TryParse(metadata.Symptom, out var s) ? s : throw new InvalidDataException($"unknown symptom {metadata.Symptom}");
    }

    public CorrelationModelMetadata Metadata { get; }
    public string Version => Metadata.Version;
    public int Window => Metadata.Window;
    public ObservationType Symptom { get; }

    internal BiLstmAttentionNet Net => _net;

    public static CorrelationModel LoadCurrent(string correlationRoot, Device? device = null)
    {
        return Load(ModelArtifacts.CurrentDirectory(correlationRoot, "correlation model", "./novamind train correlation"), device);
    }

    public static CorrelationModel Load(string artifactDirectory, Device? device = null)
    {
        var metadata = JsonSerializer.Deserialize<CorrelationModelMetadata>(File.ReadAllText(Path.Combine(artifactDirectory, MetadataFile)), CorrelationModelMetadata.Json)
                       ?? throw new InvalidDataException($"{artifactDirectory}/{MetadataFile} is empty");
        var net = new BiLstmAttentionNet(metadata.Modalities.Count, metadata.Embedding, metadata.Hidden);
        net.load(Path.Combine(artifactDirectory, WeightsFile));
        return new CorrelationModel(net, metadata, device);
    }

    public void Save(string artifactDirectory)
    {
        Directory.CreateDirectory(artifactDirectory);
        _net.save(Path.Combine(artifactDirectory, WeightsFile));
        File.WriteAllText(Path.Combine(artifactDirectory, MetadataFile), JsonSerializer.Serialize(Metadata, CorrelationModelMetadata.Json));
    }

    /// <summary>The input for predicting the day after <paramref name="endDay"/> from the <see cref="Window"/> days ending on it.</summary>
    public CorrelationWindowInput BuildInput(IReadOnlyCollection<Observation> observations, ObservationType symptom, DateOnly endDay)
    {
        if (symptom != Symptom) throw new ArgumentException($"this model predicts {Symptom.Name}, not {symptom.Name}", nameof(symptom));
        return CorrelationWindow.Build(observations, symptom, endDay, Window, Metadata.SymptomCenter, Metadata.SymptomScale);
    }

    public CorrelationWindowOutput[] Predict(IReadOnlyList<CorrelationWindowInput> batch)
    {
        if (batch.Count == 0) return [];
        var (scaled, temporal, modality) = Forward(batch);
        var m = Metadata.Modalities.Count;
        var w = Window;
        var outputs = new CorrelationWindowOutput[batch.Count];
        for (var b = 0; b < batch.Count; b++)
        {
            var alpha = new double[w];
            var byModality = new double[m];
            for (var t = 0; t < w; t++)
            {
                alpha[t] = temporal[b * w + t];
                for (var j = 0; j < m; j++) byModality[j] += alpha[t] * modality[(b * w + t) * m + j];
            }
            Normalise(alpha);
            Normalise(byModality);
            var importance = new Dictionary<string, double>(m, StringComparer.Ordinal);
            for (var j = 0; j < m; j++) importance[Metadata.Modalities[j]] = byModality[j];
            var value = Math.Clamp(Metadata.SymptomCenter + Metadata.SymptomScale * scaled[b], Symptom.Min, Symptom.Max);
            outputs[b] = new CorrelationWindowOutput(value, alpha, importance);
        }
        return outputs;
    }

    /// <summary>Raw forward pass: scaled predictions [B], α [B·W], β [B·W·M].</summary>
    internal (float[] Scaled, float[] Temporal, float[] Modality) Forward(IReadOnlyList<CorrelationWindowInput> batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _net.eval();
        var (prediction, alpha, beta) = _net.forward(Tensor(batch, Window, Metadata.Modalities.Count, Metadata.Symptom).to(_device));
        return (prediction.cpu().data<float>().ToArray(), alpha.cpu().data<float>().ToArray(), beta.cpu().data<float>().ToArray());
    }

    /// <summary>[B, W, M, 2] from inputs (value, mask interleaved).</summary>
    internal static Tensor Tensor(IReadOnlyList<CorrelationWindowInput> batch, int window, int modalities, string? symptom)
    {
        var cells = window * modalities;
        var data = new float[batch.Count * cells * 2];
        for (var b = 0; b < batch.Count; b++)
        {
            var input = batch[b];
            if (input.Values.Length != cells || input.Mask.Length != cells)
                throw new ArgumentException($"input {b} has {input.Values.Length} cells; the model expects {window} days × {modalities} modalities");
            if (symptom is not null && !string.Equals(input.Symptom, symptom, StringComparison.Ordinal))
                throw new ArgumentException($"input {b} is for {input.Symptom}; the model predicts {symptom}");
            for (var i = 0; i < cells; i++)
            {
                data[(b * cells + i) * 2] = input.Values[i];
                data[(b * cells + i) * 2 + 1] = input.Mask[i];
            }
        }
        return tensor(data, [batch.Count, window, modalities, 2]);
    }

    private static void Normalise(double[] p)
    {
        var sum = p.Sum();
        for (var i = 0; i < p.Length; i++) p[i] /= sum;
    }

    public void Dispose() => _net.Dispose();
}
