using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NovaMind.Ml.Forecasting;

/// <summary>
/// Small multi-horizon forecaster: an MLP over the scaled history and its observed-mask that predicts,
/// for each horizon 1..H, a Gaussian (mean as a change from the last filled value, and a scale).
/// The walking-skeleton model; the full Transformer/XGBoost ensemble replaces it (issue 3).
/// </summary>
public sealed class ForecastNet : nn.Module<Tensor, (Tensor Mean, Tensor Sigma)>
{
    private readonly Linear _input;
    private readonly Linear _hidden;
    private readonly Linear _head;
    private readonly int _window;
    private readonly int _horizons;

    public ForecastNet(int window, int horizons, int hidden = 64) : base(nameof(ForecastNet))
    {
        _window = window;
        _horizons = horizons;
        _input = nn.Linear(window * 2, hidden);
        _hidden = nn.Linear(hidden, hidden);
        _head = nn.Linear(hidden, horizons * 2);
        RegisterComponents();
    }

    /// <param name="history">[batch, window, 2]: scaled value (gaps filled) and observed mask.</param>
    public override (Tensor Mean, Tensor Sigma) forward(Tensor history)
    {
        using var scope = NewDisposeScope();
        var batch = history.shape[0];
        var flat = history.reshape(batch, _window * 2);
        var h = nn.functional.gelu(_input.forward(flat));
        h = nn.functional.gelu(_hidden.forward(h));
        var outputs = _head.forward(h).reshape(batch, 2, _horizons);
        var last = history[.., _window - 1, 0].unsqueeze(1);
        var mean = last + outputs[.., 0, ..];
        var sigma = nn.functional.softplus(outputs[.., 1, ..]) + 1e-3;
        return (mean.MoveToOuterDisposeScope(), sigma.MoveToOuterDisposeScope());
    }

    /// <summary>Gaussian negative log-likelihood over the target days that were observed.</summary>
    public static Tensor MaskedGaussianNll(Tensor mean, Tensor sigma, Tensor target, Tensor targetMask)
    {
        using var scope = NewDisposeScope();
        var z = (target - mean) / sigma;
        var nll = 0.5 * z.pow(2) + sigma.log();
        var loss = (nll * targetMask).sum() / targetMask.sum().clamp_min(1);
        return loss.MoveToOuterDisposeScope();
    }
}
