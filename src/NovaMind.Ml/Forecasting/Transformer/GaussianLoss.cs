using static TorchSharp.torch;

namespace NovaMind.Ml.Forecasting;

public static class GaussianLoss
{
    /// <summary>Gaussian negative log-likelihood (up to a constant) over the target days that were observed.</summary>
    public static Tensor MaskedNll(Tensor mean, Tensor sigma, Tensor target, Tensor targetMask)
    {
        using var scope = NewDisposeScope();
        // Arithmetic through TorchScalars: no temporary native scalar for the GC to finalize mid-call.
        var z = (target - mean) / sigma;
        var nll = z.pow(TorchScalars.Two).mul(TorchScalars.Half).Plus(sigma.log());
        var loss = (nll * targetMask).sum() / targetMask.sum().clamp_min(TorchScalars.One);
        return loss.MoveToOuterDisposeScope();
    }
}
