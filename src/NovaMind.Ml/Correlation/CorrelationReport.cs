using NovaMind.Simulation;

namespace NovaMind.Ml.Correlation;

/// <summary>Everything report.md says, as data (report.json).</summary>
public sealed record CorrelationReport
{
    public required string Version { get; init; }
    public required CorrelationTrainingOptions Options { get; init; }
    public required CorrelationDataSummary Data { get; init; }
    /// <summary>Next-day symptom accuracy on held-out patients (symptom units).</summary>
    public required IReadOnlyList<AccuracyRow> Accuracy { get; init; }
    public required AttentionSummary Attention { get; init; }
    /// <summary>LagCorrelationEngine on planted-effect patients (the validation criteria).</summary>
    public required IReadOnlyList<PlantedEffectValidationResult> Discovery { get; init; }
    public required CorrelationTrainingSummary Training { get; init; }
}

public sealed record CorrelationDataSummary(int CohortPatients, int PlantedPatients, int TestPatients, int TrainWindows, int ValidationWindows,
    int TestWindows, DateOnly HeldOutFrom, double SymptomCenter, double SymptomScale);

public sealed record AccuracyRow(string Subset, string Predictor, int Windows, double Mae, double Rmse);

/// <summary>Attention on planted-effect test patients, averaged per patient over their test windows, then over patients.</summary>
public sealed record AttentionSummary
{
    public required int Patients { get; init; }
    public required int Windows { get; init; }
    /// <summary>1/W: what every day would get from uniform attention.</summary>
    public required double Uniform { get; init; }
    /// <summary>Mean temporal importance by lag before the predicted day: index 0 is lag 1 (the window's last day).</summary>
    public required IReadOnlyList<double> TemporalByLag { get; init; }
    public required double MeanAtPlantedLag { get; init; }
    /// <summary>Mean of the other lags among 1..7 (the lags an effect could have been planted at).</summary>
    public required double MeanAtOtherLags { get; init; }
    public required int PlantedLagIsArgmax { get; init; }
    /// <summary>Mean importance at the planted lag, by planted lag ("1".."7").</summary>
    public required IReadOnlyDictionary<string, double> MeanAtPlantedLagByLag { get; init; }
    public required IReadOnlyDictionary<string, double> ModalityMean { get; init; }
    public required double PlantedBiometricShare { get; init; }
    /// <summary>Mean share of the three biometrics that were not planted (per biometric).</summary>
    public required double OtherBiometricShare { get; init; }
    public required int PlantedBiometricTop { get; init; }
}

public sealed record CorrelationTrainingSummary(int Epochs, double BestValidationMse, IReadOnlyList<double> ValidationMseByEpoch, double RidgeLambda,
    int RidgeFeatures, double ModelSeconds, double BaselineSeconds, double DiscoverySeconds, double TotalSeconds);
