namespace NovaMind.Contracts;

public enum UpdateStatus { Updated, PatientNotFound, Invalid }

[GenerateSerializer, Immutable]
public sealed record UpdateResult([property: Id(0)] UpdateStatus Status, [property: Id(1)] string[] Errors)
{
    public static UpdateResult Ok { get; } = new(UpdateStatus.Updated, []);
    public static UpdateResult NotFound { get; } = new(UpdateStatus.PatientNotFound, ["patient not found"]);
}

[GenerateSerializer, Immutable]
public sealed record CurrentMedicationDto([property: Id(0)] string Drug, [property: Id(1)] double DoseMg, [property: Id(2)] DateOnly Start);

[GenerateSerializer, Immutable]
public sealed record PastTreatmentDto(
    [property: Id(0)] string Drug,
    [property: Id(1)] double DoseMg,
    [property: Id(2)] DateOnly Start,
    [property: Id(3)] DateOnly End,
    [property: Id(4)] string Response,
    [property: Id(5)] string[] SideEffects);

[GenerateSerializer, Immutable]
public sealed record MedicationPlanDto([property: Id(0)] CurrentMedicationDto[] Current, [property: Id(1)] PastTreatmentDto[] History);

/// <summary>
/// A model's measured skill on held-out data next to its baseline's. <c>BeatsBaseline</c> is true only when the 95 %
/// bootstrap interval (over held-out patients) of the improvement excludes zero; otherwise the estimate is shown but
/// never used to rank.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ModelSkillDto(
    [property: Id(0)] string Metric,
    [property: Id(1)] double Model,
    [property: Id(2)] double? Baseline,
    [property: Id(3)] string BaselineName,
    [property: Id(4)] double? ImprovementLower95,
    [property: Id(5)] double? ImprovementUpper95,
    [property: Id(6)] bool BeatsBaseline,
    [property: Id(7)] string Summary);

[GenerateSerializer, Immutable]
public sealed record EfficacyDto(
    [property: Id(0)] double Score,
    [property: Id(1)] double Confidence,
    [property: Id(2)] double Percentile,
    [property: Id(3)] ModelSkillDto? Skill = null);

[GenerateSerializer, Immutable]
public sealed record SideEffectDto([property: Id(0)] string Name, [property: Id(1)] double Probability);

[GenerateSerializer, Immutable]
public sealed record GeneticFactorDto(
    [property: Id(0)] string Gene,
    [property: Id(1)] string? Diplotype,
    [property: Id(2)] string? Phenotype,
    [property: Id(3)] string? ActivityScore,
    [property: Id(4)] string Effect,
    [property: Id(5)] double? ModelInteractionScore = null,
    [property: Id(6)] ModelSkillDto? InteractionSkill = null);

[GenerateSerializer, Immutable]
public sealed record GuidelineRecommendationDto(
    [property: Id(0)] string Action,
    [property: Id(1)] string Strength,
    [property: Id(2)] string Text,
    [property: Id(3)] string Guideline,
    [property: Id(4)] string GuidelineVersion,
    [property: Id(5)] string Source,
    [property: Id(6)] string Category,
    [property: Id(7)] string? CategoryReason,
    [property: Id(8)] string? RuleId,
    [property: Id(9)] string Population);

[GenerateSerializer, Immutable]
public sealed record PhenoconversionDto(
    [property: Id(0)] string Gene,
    [property: Id(1)] string Inhibitor,
    [property: Id(2)] string? ActivityScoreBefore,
    [property: Id(3)] string? ActivityScoreAfter,
    [property: Id(4)] string PhenotypeBefore,
    [property: Id(5)] string PhenotypeAfter,
    [property: Id(6)] string Explanation);

/// <summary>Guideline recommendation (knowledge base, cited) plus model estimates (labelled as such) for one drug.</summary>
[GenerateSerializer, Immutable]
public sealed record MedicationPredictionDto(
    [property: Id(0)] string Medication,
    [property: Id(1)] EfficacyDto? Efficacy,
    [property: Id(2)] SideEffectDto[] SideEffects,
    [property: Id(3)] GeneticFactorDto[] GeneticFactors,
    [property: Id(4)] Dictionary<string, string> MetabolizerStatus,
    [property: Id(5)] GuidelineRecommendationDto Recommendation,
    [property: Id(6)] PhenoconversionDto[] Phenoconversions,
    [property: Id(7)] bool GenotypeMissing,
    [property: Id(8)] string? ModelVersion,
    [property: Id(9)] string KnowledgeBaseVersion,
    [property: Id(10)] string Note,
    [property: Id(11)] string GenotypeStatus,
    [property: Id(12)] string? GenotypeReview,
    [property: Id(13)] string[] GenotypeChanges,
    [property: Id(14)] PhenoconversionDto[] CausedPhenoconversions,
    [property: Id(15)] string? ModelDevice,
    [property: Id(16)] ModelSkillDto? SideEffectsSkill,
    [property: Id(17)] PgxConfidenceDto? Confidence = null);

/// <summary>Whether the model estimates in a PGx answer should be read with care, and why (null when there is no model estimate).</summary>
[GenerateSerializer, Immutable]
public sealed record PgxConfidenceDto(
    [property: Id(0)] bool LowConfidence,
    [property: Id(1)] string[] Reasons,
    [property: Id(2)] string Rule);

/// <summary>The genotype a twin holds: gene → value as validated, the knowledge-base version it was validated against, and phenotype changes found on re-validation.</summary>
[GenerateSerializer, Immutable]
public sealed record GenotypeOnRecordDto(
    [property: Id(0)] Dictionary<string, string> Values,
    [property: Id(1)] string? ValidatedAgainst,
    [property: Id(2)] string[] PhenotypeChanges);

public enum PgxStatus { Ok, PatientNotFound, UnknownDrug }

[GenerateSerializer, Immutable]
public sealed record MedicationPredictionResult(
    [property: Id(0)] PgxStatus Status,
    [property: Id(1)] MedicationPredictionDto? Prediction,
    [property: Id(2)] string[] SupportedDrugs);

[GenerateSerializer, Immutable]
public sealed record RankedMedicationDto(
    [property: Id(0)] int Rank,
    [property: Id(1)] string Medication,
    [property: Id(2)] string GuidelineCategory,
    [property: Id(3)] string[] Reasons,
    [property: Id(4)] MedicationPredictionDto Prediction,
    [property: Id(5)] string History,
    [property: Id(6)] bool ModelEstimateUsed);

[GenerateSerializer, Immutable]
public sealed record MedicationRankingResult(
    [property: Id(0)] PgxStatus Status,
    [property: Id(1)] RankedMedicationDto[] Ranked,
    [property: Id(2)] string[] UnknownDrugs,
    [property: Id(3)] string[] SupportedDrugs);

/// <summary>Stateless pharmacogenomics worker: knowledge-base recommendation plus model estimates.</summary>
public interface IPgxWorkerGrain : IGrainWithIntegerKey
{
    Task<MedicationPredictionResult> Predict(string drug, GenotypeOnRecordDto? genotype, MedicationPlanDto medications, WorkPriority priority);
}
