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
}
