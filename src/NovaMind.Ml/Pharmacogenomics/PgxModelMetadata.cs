using System.Text.Json;
using System.Text.Json.Serialization;

namespace NovaMind.Ml.Pharmacogenomics;

/// <summary>Everything needed to rebuild and interpret the pharmacogenomic models of one artifact version.</summary>
public sealed record PgxModelMetadata
{
    public required string Version { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
    public required int Seed { get; init; }
    /// <summary>The knowledge-base version whose phenotype rules and graph the models were trained with.</summary>
    public required string KnowledgeBaseVersion { get; init; }
    public string EstimateLabel { get; init; } = TreatmentResponseOutput.EstimateLabel;
    public required ResponseModelMetadata Response { get; init; }
    public required GraphModelMetadata Graph { get; init; }
    public required PgxMetricsSummary Metrics { get; init; }

    public static readonly JsonSerializerOptions Json = ModelArtifacts.Json;
}

public sealed record ResponseModelMetadata
{
    /// <summary>The drug vocabulary, in embedding order (index Drugs.Count is "other drug").</summary>
    public required IReadOnlyList<string> Drugs { get; init; }
    public required IReadOnlyDictionary<string, double> ReferenceDosesMg { get; init; }
    public required IReadOnlyList<string> SideEffects { get; init; }
    public required int ModelDim { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int FeedForward { get; init; }
    public required double Dropout { get; init; }
    public required int MaxHistory { get; init; }
    /// <summary>Temperature scaling fitted on the validation split: p = σ(logit / T).</summary>
    public required double EfficacyTemperature { get; init; }
    public required IReadOnlyList<double> SideEffectTemperatures { get; init; }
    public string ConfidenceMethod { get; init; } = "1 - binary entropy of the calibrated efficacy / ln 2";
    /// <summary>Per drug: the 0th..100th percentiles of calibrated efficacy over the simulated reference population at the drug's reference dose.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<double>> ReferenceQuantiles { get; init; }
    public required int ReferencePatients { get; init; }
}

public sealed record GraphModelMetadata
{
    public required IReadOnlyList<GraphNode> Nodes { get; init; }
    public required IReadOnlyList<GraphEdge> Edges { get; init; }
    public required int Dim { get; init; }
    public required int Layers { get; init; }
    public required double Dropout { get; init; }
}

/// <summary>Headline test metrics (the full tables are in report.json / report.md).</summary>
public sealed record PgxMetricsSummary
{
    public required int TrainExamples { get; init; }
    public required int ValidationExamples { get; init; }
    public required int TestExamples { get; init; }
    public required int TestPatients { get; init; }
    public required int Epochs { get; init; }
    public required double EfficacyBrier { get; init; }
    public required double EfficacyBrierBaseline { get; init; }
    public required double EfficacyBrierBaseRate { get; init; }
    public required double EfficacyBrierOracle { get; init; }
    public required double EfficacyAuc { get; init; }
    public required double EfficacyAucBaseline { get; init; }
    public required double EfficacyLogLoss { get; init; }
    public required double EfficacyLogLossBaseline { get; init; }
    public required double EfficacyEce { get; init; }
    public required double SideEffectMeanBrier { get; init; }
    public required double SideEffectMeanBrierBaseline { get; init; }
    public required double SideEffectMacroAuc { get; init; }
    public required double SideEffectMacroAucBaseline { get; init; }
    public required double GraphHeldOutAuc { get; init; }
    public required int GraphHeldOutPositives { get; init; }
    public required int GraphHeldOutNegatives { get; init; }
    public required double GraphTrainingAuc { get; init; }

    /// <summary>95 % bootstrap interval (resampling held-out test patients) of baseline Brier − model Brier for response; null if not measured.</summary>
    public IReadOnlyList<double>? EfficacyBrierImprovementCi95 { get; init; }
    public int? BootstrapResamples { get; init; }
    /// <summary>How the graph model was held out (null for artifacts evaluated before leak-free hold-out existed).</summary>
    public string? GraphEvaluation { get; init; }
    /// <summary>Held-out AUC of the gene-frequency baseline under the same hold-out; null if not measured.</summary>
    public double? GraphBaselineAuc { get; init; }
    /// <summary>95 % bootstrap interval (resampling held-out relations) of model AUC − baseline AUC; null if not measured.</summary>
    public IReadOnlyList<double>? GraphAucImprovementCi95 { get; init; }

    /// <summary>The response model's held-out skill against the logistic baseline.</summary>
    public ModelSkill ResponseSkill() => ModelSkill.From(
        "Brier (lower is better)", EfficacyBrier, EfficacyBrierBaseline, "logistic regression on hand-crafted features", EfficacyBrierImprovementCi95,
        $"held-out AUC {EfficacyAuc:0.000} vs {EfficacyAucBaseline:0.000}");

    /// <summary>The side-effect heads' held-out skill (mean Brier over the side effects) against the logistic baseline; no interval is measured for them.</summary>
    public ModelSkill SideEffectSkill() => ModelSkill.From(
        "mean Brier over side effects (lower is better)", SideEffectMeanBrier, SideEffectMeanBrierBaseline, "logistic regression on hand-crafted features", null,
        $"macro AUC {SideEffectMacroAuc:0.000} vs {SideEffectMacroAucBaseline:0.000}");

    /// <summary>The graph model's held-out skill against the gene-frequency baseline (AUC; not established for artifacts without that baseline).</summary>
    public ModelSkill InteractionSkill() => GraphBaselineAuc is { } baseline
        ? ModelSkill.From("AUC (higher is better)", GraphHeldOutAuc, baseline, "gene frequency (how many drugs each gene interacts with in training)", GraphAucImprovementCi95, GraphEvaluation)
        : ModelSkill.From("AUC (higher is better)", GraphHeldOutAuc, null, "none measured", null, "held-out edges only; the paths that reveal them were not removed");
}

/// <summary>
/// A model's held-out skill next to its baseline's. <see cref="BeatsBaseline"/> is the rule for using the model to order
/// anything: the 95 % bootstrap interval of the improvement must lie above zero. Without an interval it is false.
/// </summary>
public sealed record ModelSkill(string Metric, double Model, double? Baseline, string BaselineName, double? ImprovementLower95, double? ImprovementUpper95, string Summary)
{
    public bool BeatsBaseline => ImprovementLower95 is > 0;

    public static ModelSkill From(string metric, double model, double? baseline, string baselineName, IReadOnlyList<double>? ci, string? detail)
    {
        var (lo, hi) = ci is { Count: 2 } ? (ci[0], ci[1]) : ((double?)null, (double?)null);
        var verdict = lo is null
            ? "no confidence interval was measured, so it is not shown to beat its baseline and is not used to rank"
            : lo > 0
                ? $"beats its baseline: 95 % interval of the improvement {lo:0.0000} to {hi:0.0000}"
                : $"does not beat its baseline by a clear margin (95 % interval of the improvement {lo:0.0000} to {hi:0.0000} includes zero), so it is not used to rank";
        var baselineText = baseline is null ? "no baseline was measured" : $"baseline {baseline:0.0000} ({baselineName})";
        var summary = $"held-out {metric}: model {model:0.0000}, {baselineText}; {verdict}" + (detail is null ? "" : $"; {detail}");
        return new ModelSkill(metric, model, baseline, baselineName, lo, hi, summary);
    }
}
