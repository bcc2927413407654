using static TorchSharp.torch;

namespace NovaMind.Ml.Forecasting;

public static class GaussianLoss
{
    /// <summary>Gaussian negative log-likelihood (up to a constant) over the target days that were observed.</summary>
    public static Tensor MaskedNll(Tensor mean, Tensor sigma, Tensor target, Tensor targetMask)
    {
        using var scope = NewDisposeScope();
        var z = (target - mean) / sigma;
        var nll = 0.5 * z.pow(2) + sigma.log();
        var loss = (nll * targetMask).sum() / targetMask.sum().clamp_min(1);
        return loss.MoveToOuterDisposeScope();
    }
}
