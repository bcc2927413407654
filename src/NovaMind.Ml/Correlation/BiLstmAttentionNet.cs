using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NovaMind.Ml.Correlation;

/// <summary>
/// Bidirectional LSTM with modality and temporal attention over a window of W days × M modalities (the biometrics and the
/// symptom's own history), predicting the next day's symptom (scaled).
/// <para>
/// Design. (1) Each modality has its own input projection of (value, observed-mask) to an embedding (plus a learned
/// modality embedding), so sleep and steps are not forced through one shared transform. (2) Modality attention: per day,
/// a softmax over the M embeddings (days where a modality is missing get no weight) fuses them into one vector β-weighted —
/// the fusion the issue asks for, and the source of the modality weights. (3) A bidirectional LSTM reads the W fused days.
/// (4) Temporal attention: a softmax over the W LSTM states gives α; the head sees only the α-weighted context, so every
/// bit of the prediction passes through the two attentions. Their product A[t, m] = α_t·β[t, m] is a joint distribution over
/// (day, modality) that sums to 1; its marginals are the temporal importance (α) and the modality importance (Σ_t α_t·β[t, m]).
/// Attention weights say where the model looked, not causal effect sizes: an LSTM state at day t also carries information
/// from the days around it (both directions), so α can point next to the day that matters.
/// </para>
/// </summary>
public sealed class BiLstmAttentionNet : nn.Module<Tensor, (Tensor Prediction, Tensor Temporal, Tensor Modality)>
{
    private readonly ModuleList<Linear> _inputs;
    private readonly Embedding _modalityEmbedding;
    private readonly long[] _modalityIds;
    private readonly Linear _modalityKey;
    private readonly Linear _modalityScore;
    private readonly LSTM _lstm;
    private readonly Linear _temporalKey;
    private readonly Linear _temporalScore;
    private readonly Linear _hidden;
    private readonly Linear _head;
    private readonly int _modalities;

    public BiLstmAttentionNet(int modalities, int embedding = 16, int hidden = 32) : base(nameof(BiLstmAttentionNet))
    {
        _modalities = modalities;
        _modalityIds = [.. Enumerable.Range(0, modalities).Select(m => (long)m)];
        _inputs = nn.ModuleList(Enumerable.Range(0, modalities).Select(_ => nn.Linear(2, embedding)).ToArray());
        _modalityEmbedding = nn.Embedding(modalities, embedding);
        _modalityKey = nn.Linear(embedding, embedding);
        _modalityScore = nn.Linear(embedding, 1, hasBias: false);
        _lstm = nn.LSTM(embedding, hidden, numLayers: 1, batchFirst: true, bidirectional: true);
        _temporalKey = nn.Linear(2 * hidden, hidden);
        _temporalScore = nn.Linear(hidden, 1, hasBias: false);
        _hidden = nn.Linear(2 * hidden, hidden);
        _head = nn.Linear(hidden, 1);
        RegisterComponents();
    }

    /// <param name="window">[batch, W, M, 2]: scaled value and observed mask per day and modality.</param>
    /// <returns>Prediction [batch] (scaled), temporal attention α [batch, W], modality attention β [batch, W, M].</returns>
    public override (Tensor Prediction, Tensor Temporal, Tensor Modality) forward(Tensor window)
    {
        using var scope = NewDisposeScope();
        var embedded = new Tensor[_modalities];
        for (var m = 0; m < _modalities; m++) embedded[m] = _inputs[m].forward(window[.., .., m, ..]);
        // Arithmetic through TorchScalars: no temporary native scalar for the GC to finalize mid-call.
        var modalityIds = tensor(_modalityIds, device: window.device);
        var e = nn.functional.gelu(stack(embedded, dim: 2)).Plus(_modalityEmbedding.forward(modalityIds)); // [B, W, M, E]

        var mask = window[.., .., .., 1];                                                                // [B, W, M]
        var modalityScores = _modalityScore.forward(tanh(_modalityKey.forward(e))).squeeze(-1);         // [B, W, M]
        modalityScores = modalityScores.masked_fill(mask.lt(TorchScalars.Half), TorchScalars.MaskedScore);
        var beta = softmax(modalityScores, dim: -1);
        var fused = (beta.unsqueeze(-1) * e).sum(2);                                                     // [B, W, E]

        var (states, _, _) = _lstm.forward(fused);                                                       // [B, W, 2H]
        var temporalScores = _temporalScore.forward(tanh(_temporalKey.forward(states))).squeeze(-1);    // [B, W]
        var alpha = softmax(temporalScores, dim: -1);
        var context = (alpha.unsqueeze(-1) * states).sum(1);                                             // [B, 2H]
        var prediction = _head.forward(nn.functional.gelu(_hidden.forward(context))).squeeze(-1);
        return (prediction.MoveToOuterDisposeScope(), alpha.MoveToOuterDisposeScope(), beta.MoveToOuterDisposeScope());
    }
}
