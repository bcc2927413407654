using NovaMind.Ml.Inference;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NovaMind.Benchmarks;

/// <summary>
/// The reference model of the scheduler sweep: a 2-layer TransformerEncoder (d=64, 4 heads) over 64×16 inputs
/// with a linear read-out — big enough that batching, not call overhead, decides throughput on a GPU.
/// </summary>
public sealed class TransformerBenchModel : IBatchModel<float[], float>, IDisposable
{
    public const int Sequence = 64;
    public const int Features = 16;
    private readonly Encoder _net;
    private readonly Device _device;
    private readonly ScalarType _dtype;

    public TransformerBenchModel(Device device, bool half)
    {
        manual_seed(1);
        _device = device;
        _dtype = half && device.type == DeviceType.CUDA ? ScalarType.Float16 : ScalarType.Float32;
        _net = new Encoder();
        _net.eval();
        _net.to(_device);
        if (_dtype == ScalarType.Float16) _net.half();
    }

    public string Version => "bench-transformer";
    public string DeviceName => _dtype == ScalarType.Float16 ? $"{_device} fp16" : $"{_device}";

    public float[] Predict(IReadOnlyList<float[]> batch)
    {
        var data = new float[batch.Count * Sequence * Features];
        for (var i = 0; i < batch.Count; i++) batch[i].CopyTo(data, i * Sequence * Features);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(data, [batch.Count, Sequence, Features]).to(_dtype, _device);
        return _net.forward(x).to(ScalarType.Float32, CPU).data<float>().ToArray();
    }

    public void Dispose() => _net.Dispose();

    private sealed class Encoder : nn.Module<Tensor, Tensor>
    {
        private readonly Linear _embed = nn.Linear(Features, 64);
        private readonly TransformerEncoder _encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, 128, 0.0), 2);
        private readonly Linear _head = nn.Linear(64, 1);

        public Encoder() : base("bench-encoder") => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            // [batch, seq, feat] → [seq, batch, d]: TorchSharp's encoder is sequence-first.
            var h = _embed.forward(x).transpose(0, 1);
            h = _encoder.forward(h, null, null);
            return _head.forward(h.mean([0])).squeeze(1);
        }
    }
}

/// <summary>Counts what the scheduler actually ran, so the same batches can be replayed directly.</summary>
public sealed class RecordingModel<TIn, TOut>(IBatchModel<TIn, TOut> inner) : IBatchModel<TIn, TOut>
{
    private readonly List<int> _batchSizes = [];
    public string Version => inner.Version;

    public IReadOnlyList<int> BatchSizes
    {
        get { lock (_batchSizes) return [.. _batchSizes]; }
    }

    public void Reset()
    {
        lock (_batchSizes) _batchSizes.Clear();
    }

    public TOut[] Predict(IReadOnlyList<TIn> batch)
    {
        lock (_batchSizes) _batchSizes.Add(batch.Count);
        return inner.Predict(batch);
    }
}
