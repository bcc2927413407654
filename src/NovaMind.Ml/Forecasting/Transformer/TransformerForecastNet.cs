using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NovaMind.Ml.Forecasting;

/// <summary>
/// Encoder–decoder Transformer over one symptom's history. Encoder: input projection + sinusoidal positions (days
/// 0..W−1) → <see cref="TransformerEncoder"/>. Decoder: projection of (previous value, calendar of the target day) +
/// positions W..W+H−1 → <see cref="TransformerDecoder"/> with a causal mask over horizons and cross-attention to the
/// encoder memory. Head: per-horizon Gaussian, mean as a change from the last observed value, scale via softplus.
/// All tensors batch-first at the API ([batch, seq, features]); TorchSharp's modules are sequence-first inside.
/// </summary>
public sealed class TransformerForecastNet : nn.Module<Tensor, Tensor, Tensor, (Tensor Mean, Tensor Sigma)>
{
    private readonly Linear _encoderInput;
    private readonly Linear _decoderInput;
    private readonly TransformerEncoder _encoder;
    private readonly TransformerDecoder _decoder;
    private readonly Linear _head;
    private Tensor _positions;
    private readonly int _window;

    public TransformerForecastNet(int window, int maxHorizon, int encoderFeatures, int decoderFeatures, int modelDim, int layers, int heads, int feedForward, double dropout)
        : base(nameof(TransformerForecastNet))
    {
        _window = window;
        _encoderInput = nn.Linear(encoderFeatures, modelDim);
        _decoderInput = nn.Linear(decoderFeatures, modelDim);
        _encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(modelDim, heads, feedForward, dropout), layers);
        _decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(modelDim, heads, feedForward, dropout), layers);
        _head = nn.Linear(modelDim, 2);
        RegisterComponents();
        _positions = SinusoidalPositions(window + maxHorizon, modelDim); // a constant, not a parameter or buffer
    }

    /// <summary>
    /// Moves the weights and the position table to <paramref name="device"/> as <paramref name="dtype"/>. The table is a
    /// plain field (so old weight files still load), which Module.to would leave behind on the CPU in fp32.
    /// </summary>
    public void Place(Device device, ScalarType dtype)
    {
        this.to(device);
        this.to(dtype);
        var moved = _positions.to(dtype, device).DetachFromDisposeScope(); // lives as long as the module, whatever scope loads it
        if (ReferenceEquals(moved, _positions)) return;
        _positions.Dispose();
        _positions = moved;
    }

    /// <summary>
    /// Rounds every weight and the position table to fp16 and back, keeping fp32 arithmetic: how fp16 storage changes
    /// forecasts where a device has no half kernels for some operation.
    /// </summary>
    public void RoundWeightsToHalf()
    {
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
            foreach (var p in parameters()) p.copy_(p.to(ScalarType.Float16).to(p.dtype));
        using var half = _positions.to(ScalarType.Float16);
        var rounded = half.to(_positions.dtype).DetachFromDisposeScope();
        _positions.Dispose();
        _positions = rounded;
    }

    /// <param name="encoder">[batch, W, encoderFeatures]</param>
    /// <param name="decoder">[batch, h, decoderFeatures] for horizons 1..h (h ≤ H)</param>
    /// <param name="last">[batch]: the last observed value (normalised)</param>
    /// <returns>Mean and sigma, [batch, h], normalised units.</returns>
    public override (Tensor Mean, Tensor Sigma) forward(Tensor encoder, Tensor decoder, Tensor last)
    {
        using var scope = NewDisposeScope();
        var memory = Encode(encoder);
        var (mean, sigma) = Decode(memory, decoder, last);
        return (mean.MoveToOuterDisposeScope(), sigma.MoveToOuterDisposeScope());
    }

    /// <summary>Encoder memory, sequence-first [W, batch, d].</summary>
    public Tensor Encode(Tensor encoder)
    {
        using var scope = NewDisposeScope();
        var x = _encoderInput.forward(encoder).Plus(_positions[..(int)encoder.shape[1]].unsqueeze(0));
        var memory = _encoder.forward(x.transpose(0, 1), src_mask: null, src_key_padding_mask: null);
        return memory.MoveToOuterDisposeScope();
    }

    public (Tensor Mean, Tensor Sigma) Decode(Tensor memory, Tensor decoder, Tensor last)
    {
        using var scope = NewDisposeScope();
        var steps = (int)decoder.shape[1];
        // Arithmetic through TorchScalars: no temporary native scalar for the GC to finalize mid-call.
        var x = _decoderInput.forward(decoder).Plus(_positions[_window..(_window + steps)].unsqueeze(0));
        var causal = triu(full([steps, steps], TorchScalars.NegativeInfinity, dtype: x.dtype, device: x.device), 1);
        var y = _decoder.forward(x.transpose(0, 1), memory, tgt_mask: causal).transpose(0, 1); // [batch, h, d]
        var outputs = _head.forward(y);
        var mean = last.unsqueeze(1).Plus(outputs[.., .., 0]);
        var sigma = outputs[.., .., 1].Softplus().Plus(TorchScalars.SigmaFloor);
        return (mean.MoveToOuterDisposeScope(), sigma.MoveToOuterDisposeScope());
    }

    private static Tensor SinusoidalPositions(int length, int dim)
    {
        var pe = new float[length * dim];
        for (var p = 0; p < length; p++)
        for (var i = 0; i < dim; i += 2)
        {
            var angle = p / Math.Pow(10000, (double)i / dim);
            pe[p * dim + i] = (float)Math.Sin(angle);
            if (i + 1 < dim) pe[p * dim + i + 1] = (float)Math.Cos(angle);
        }
        return tensor(pe, [length, dim]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _positions.Dispose();
        base.Dispose(disposing);
    }
}
