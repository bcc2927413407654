namespace NovaMind.Ml.Pharmacogenomics;

/// <summary>Probabilistic scores of one predictor on the test split.</summary>
public sealed record ProbabilisticScores(string Model, double Brier, double LogLoss, double Auc, double Ece);

public sealed record SideEffectScores(
    string SideEffect, double Prevalence,
    double Brier, double BrierBaseline, double BrierBaseRate, double BrierOracle,
    double Auc, double AucBaseline, double Temperature);

public sealed record SubgroupScores(string Subgroup, int Examples, double ResponseRate, double Brier, double BrierBaseline, double Auc, double AucBaseline);

/// <summary>A planted effect of the simulator: group A minus group B, in truth and as each model estimates it.</summary>
public sealed record EffectRecovery(string Effect, int GroupA, int GroupB, double Simulator, double Transformer, double Baseline);

public sealed record ReliabilityDiagram(
    IReadOnlyList<ReliabilityBin> Transformer, IReadOnlyList<ReliabilityBin> Uncalibrated, IReadOnlyList<ReliabilityBin> Baseline);

public sealed record PgxDataSummary(
    int Patients, int TrainPatients, int ValidationPatients, int TestPatients,
    int TrainExamples, int ValidationExamples, int TestExamples,
    double ResponseRate, double GenotypedShare, double MeanSideEffectsPerTreatment, int ReferencePatients);

public sealed record PgxTrainingSummary(
    int Epochs, double BestValidationLoss, IReadOnlyList<double> ValidationLossByEpoch, double EfficacyTemperature,
    int BaselineEpochs, double ResponseSeconds, double BaselineSeconds, double ReferenceSeconds, double GraphSeconds, double TotalSeconds);

/// <summary>A held-out interaction and how the fold's model scored it against that fold's held-out non-edges.</summary>
public sealed record HeldOutInteraction(string Drug, string Gene, string Relation, int Fold, double Score, double FractionOfNegativesBelow);

public sealed record GraphReport(
    int Nodes, int Edges, int Interactions, int CandidatePairs, int Folds,
    IReadOnlyList<double> FoldAucs, double PooledHeldOutAuc, int HeldOutPositives, int HeldOutNegatives,
    double TrainingAuc, IReadOnlyList<HeldOutInteraction> HeldOut, IReadOnlyList<GeneInteractionScore> TopUnlisted,
    string Evaluation = "", double? BaselineAuc = null, IReadOnlyList<double>? AucImprovementCi95 = null, IReadOnlyList<double>? BaselineFoldAucs = null);

/// <summary>Paired bootstrap of the response model against its baseline, resampling held-out test patients.</summary>
public sealed record BootstrapComparison(string Metric, double Model, double Baseline, double Improvement, double Lower95, double Upper95, int Resamples, int Units);

/// <summary>Everything the training run measured (written as report.json and report.md).</summary>
public sealed record PgxReport(
    string Version,
    PgxTrainingOptions Options,
    PgxDataSummary Data,
    PgxTrainingSummary Training,
    IReadOnlyList<ProbabilisticScores> Efficacy,
    IReadOnlyList<SubgroupScores> EfficacyBySubgroup,
    IReadOnlyList<EffectRecovery> PlantedEffects,
    ReliabilityDiagram Reliability,
    IReadOnlyList<SideEffectScores> SideEffects,
    GraphReport Graph,
    IReadOnlyList<BootstrapComparison>? EfficacyBootstrap = null);
