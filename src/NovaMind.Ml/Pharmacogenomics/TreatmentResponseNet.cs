using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NovaMind.Ml.Pharmacogenomics;

/// <summary>
/// A small transformer over a patient's treatment history. Tokens: the candidate drug (query: drug embedding + dose and
/// history counts), the genotype (phenotype one-hots, activity scores, inhibitor), and one token per past treatment
/// (drug embedding + dose, duration, response, side effects, recency). After a <see cref="TransformerEncoder"/> the query
/// token's state, concatenated with the raw query features (a "wide" linear path for the knowledge-guided drug-pathway ×
/// phenotype features), feeds two heads: the response logit and one logit per side effect (multi-label).
/// </summary>
public sealed class TreatmentResponseNet : nn.Module<TreatmentBatch, (Tensor Efficacy, Tensor SideEffects)>
{
    private readonly Embedding _drug;
    private readonly Linear _query;
    private readonly Linear _genotype;
    private readonly Linear _history;
    private readonly Parameter _tokenType;
    private readonly TransformerEncoder _encoder;
    private readonly LayerNorm _norm;
    private readonly Linear _hidden;
    private readonly Linear _efficacy;
    private readonly Linear _sideEffects;

    public TreatmentResponseNet(int vocabulary, int queryWidth, int genotypeWidth, int historyWidth, int sideEffects,
        int modelDim = 32, int layers = 2, int heads = 4, int feedForward = 64, double dropout = 0.1)
        : base(nameof(TreatmentResponseNet))
    {
        _drug = nn.Embedding(vocabulary, modelDim);
        _query = nn.Linear(queryWidth, modelDim);
        _genotype = nn.Linear(genotypeWidth, modelDim);
        _history = nn.Linear(historyWidth, modelDim);
        _tokenType = nn.Parameter(randn(3, modelDim) * 0.02);
        _encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(modelDim, heads, feedForward, dropout), layers);
        _norm = nn.LayerNorm(modelDim);
        _hidden = nn.Linear(modelDim, modelDim);
        _efficacy = nn.Linear(modelDim + queryWidth, 1);
        _sideEffects = nn.Linear(modelDim + queryWidth, sideEffects);
        RegisterComponents();
    }

    /// <returns>Efficacy logits [batch] and side-effect logits [batch, side effects].</returns>
    public override (Tensor Efficacy, Tensor SideEffects) forward(TreatmentBatch batch)
    {
        using var scope = NewDisposeScope();
        var n = batch.Drug.shape[0];
        // Arithmetic through TorchScalars: no temporary native scalar for the GC to finalize mid-call.
        var query = _drug.forward(batch.Drug).Plus(_query.forward(batch.Query)).Plus(_tokenType[0]).unsqueeze(1);
        var genotype = _genotype.forward(batch.Genotype).Plus(_tokenType[1]).unsqueeze(1);
        var history = _drug.forward(batch.HistoryDrugs).Plus(_history.forward(batch.History)).Plus(_tokenType[2]);
        var tokens = cat([query, genotype, history], 1).transpose(0, 1); // [sequence, batch, d]: libtorch's layout
        var padding = cat([zeros(n, 2, dtype: ScalarType.Bool, device: batch.HistoryPadding.device), batch.HistoryPadding], 1);
        var encoded = _encoder.forward(tokens, null!, padding);
        var state = _norm.forward(encoded[0]);
        state = state.Plus(nn.functional.gelu(_hidden.forward(state)));
        var wide = cat([state, batch.Query], 1); // wide & deep: the query features (incl. drug pathway × phenotype) also reach the heads linearly
        var efficacy = _efficacy.forward(wide).squeeze(1);
        var sideEffects = _sideEffects.forward(wide);
        return (efficacy.MoveToOuterDisposeScope(), sideEffects.MoveToOuterDisposeScope());
    }
}

/// <summary>The logistic-regression baseline: one linear layer on hand-crafted features, one logit per outcome.</summary>
public sealed class LogisticBaselineNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear _linear;

    public LogisticBaselineNet(int features, int outputs) : base(nameof(LogisticBaselineNet))
    {
        _linear = nn.Linear(features, outputs);
        RegisterComponents();
    }

    public override Tensor forward(Tensor features) => _linear.forward(features);
}
