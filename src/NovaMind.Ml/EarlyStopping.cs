using TorchSharp;
using static TorchSharp.torch;

namespace NovaMind.Ml;

/// <summary>
/// Early stopping on a validation loss for every NovaMind trainer: keeps a detached copy of the best weights,
/// says when <paramref name="patience"/> epochs passed without an improvement of at least <paramref name="minDelta"/>,
/// and puts the best weights back at the end.
/// </summary>
public sealed class EarlyStopping(int patience, Action<string>? progress = null, double minDelta = 1e-4) : IDisposable
{
    private Dictionary<string, Tensor> _best = [];
    private int _sinceBest;

    public double BestLoss { get; private set; } = double.PositiveInfinity;

    /// <summary>Records this epoch's validation loss; true when training should stop.</summary>
    public bool ShouldStop(nn.Module module, double validationLoss)
    {
        if (validationLoss < BestLoss - minDelta)
        {
            BestLoss = validationLoss;
            _sinceBest = 0;
            DisposeBest();
            // Detached from any enclosing dispose scope: the copy must outlive the epoch.
            _best = module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
            return false;
        }
        if (++_sinceBest < patience) return false;
        progress?.Invoke($"early stop: no validation improvement for {patience} epochs");
        return true;
    }

    /// <summary>Loads the best weights seen (if any epoch improved) into <paramref name="module"/>.</summary>
    public void RestoreBest(nn.Module module)
    {
        if (_best.Count > 0) module.load_state_dict(_best);
    }

    private void DisposeBest()
    {
        foreach (var t in _best.Values) t.Dispose();
        _best = [];
    }

    public void Dispose() => DisposeBest();
}
