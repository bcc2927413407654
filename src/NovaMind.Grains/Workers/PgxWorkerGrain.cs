using System.Globalization;
using NovaMind.Contracts;
using NovaMind.Domain.Monitoring;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Grains.Placement;
using NovaMind.Grains.Twins;
using NovaMind.Ml;
using NovaMind.Ml.Pharmacogenomics;
using Orleans.Concurrency;

namespace NovaMind.Grains.Workers;

/// <summary>
/// Pharmacogenomics for one drug and one patient: the CPIC recommendation from the knowledge base (cited, with its
/// guideline category and row), metabolizer status per gene (CYP2D6 after phenoconversion by co-medications), the
/// genotype's status against the loaded knowledge base, and the outcome model's estimates labelled with their held-out skill.
/// </summary>
[StatelessWorker]
[AcceleratorSiloPlacementFilter]
public sealed class PgxWorkerGrain(IPgxOutcomeEstimator estimator, InferenceDevice device, TimeProvider clock) : Grain, IPgxWorkerGrain
{
    private static readonly PgxKnowledgeBase KnowledgeBase = PgxKnowledgeBase.Default;

    public async Task<MedicationPredictionResult> Predict(string drug, GenotypeOnRecordDto? genotype, MedicationPlanDto medications, WorkPriority priority)
    {
        if (!KnowledgeBase.Drugs.TryGet(drug, out var known))
            return new MedicationPredictionResult(PgxStatus.UnknownDrug, null, [.. KnowledgeBase.Drugs.KnownMedications]);
        var name = known.Name;
        var check = GenotypeRevalidation.Check(genotype?.Values, genotype?.ValidatedAgainst, null, KnowledgeBase);
        var plan = medications.ToDomain();
        var coMedications = plan.Current.Select(c => c.Drug).Where(d => d != name).ToList();
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var population = known.Guideline is { } g ? RecommendationEngine.PopulationFor(g, plan, today) : null;
        var recommendation = check.Status == GenotypeStatus.NeedsReview
            ? RecommendationEngine.Default.GenotypeNeedsReview(name, check.Reason!)
            : RecommendationEngine.Default.Recommend(name, check.Genotype, coMedications, population);
        var estimate = await estimator.EstimateAsync(name, plan, check.Genotype, priority);

        var prediction = new MedicationPredictionDto(
            name,
            estimate is null ? null : estimate.Efficacy with { Skill = ToDto(estimate.ResponseSkill) },
            estimate?.SideEffects ?? [],
            [.. recommendation.GeneticFactors.Select(f => Describe(f) with
            {
                ModelInteractionScore = estimate?.InteractionScores.GetValueOrDefault(f.Gene),
                InteractionSkill = estimate is null ? null : ToDto(estimate.InteractionSkill),
            })],
            check.Phenotypes.ToDictionary(StringComparer.Ordinal),
            new GuidelineRecommendationDto(recommendation.Action, recommendation.StrengthTerm, recommendation.Text, recommendation.Guideline,
                recommendation.GuidelineVersion, recommendation.Source.Url, recommendation.Category.ToName(), recommendation.CategoryReason,
                recommendation.RuleId, recommendation.Population),
            [.. recommendation.Phenoconversions.Where(p => p.Applied).Select(ToDto)],
            recommendation.GenotypeMissing,
            estimate?.ModelVersion,
            recommendation.KnowledgeBaseVersion,
            Note(check.Status, estimate),
            check.StatusName,
            check.Reason,
            genotype?.PhenotypeChanges ?? [],
            [.. recommendation.CausedPhenoconversions.Where(p => p.Applied).Select(ToDto)],
            estimate is null ? null : device.Name,
            estimate is null ? null : ToDto(estimate.SideEffectSkill),
            estimate is null ? null : Confidence(estimate, check.Status));
        return new MedicationPredictionResult(PgxStatus.Ok, prediction, []);
    }

    /// <summary>The estimate's confidence by the stated rule; counted per model version for the low-confidence share.</summary>
    private static PgxConfidenceDto Confidence(PgxOutcomeEstimate estimate, GenotypeStatus status)
    {
        var assessment = PgxConfidenceRule.Assess(estimate.ResponseSkill.BeatsBaseline, status == GenotypeStatus.Missing, status == GenotypeStatus.NeedsReview);
        Monitoring.PgxConfidenceMetrics.Record(estimate.ModelVersion, assessment);
        return new PgxConfidenceDto(assessment.LowConfidence, [.. assessment.Reasons], PgxConfidenceRule.Description);
    }

    private static string Note(GenotypeStatus status, PgxOutcomeEstimate? estimate)
    {
        var guideline = status switch
        {
            GenotypeStatus.Missing => "No genotype on record: the guideline part falls back to standard dosing guidance.",
            GenotypeStatus.NeedsReview => "The stored genotype needs review (see genotype_review): no genotype-based recommendation is given until then.",
            _ => "The recommendation and its category are CPIC guideline content from the knowledge base.",
        };
        var model = estimate is null
            ? " No model estimate: the outcome model was not trained on this drug."
            : " Efficacy and side effects are model estimates from synthetic training data, not guideline content; "
              + (estimate.ResponseSkill.BeatsBaseline ? "they break ties inside a guideline category." : "the model does not beat its baseline by a clear margin, so they are shown but not used to rank.");
        return guideline + model;
    }

    private static ModelSkillDto ToDto(ModelSkill s) =>
        new(s.Metric, s.Model, s.Baseline, s.BaselineName, s.ImprovementLower95, s.ImprovementUpper95, s.BeatsBaseline, s.Summary);

    private static PhenoconversionDto ToDto(PhenoconversionEffect p) =>
        new(p.Gene, p.Inhibitor, Score(p.OriginalActivityScore), Score(p.AdjustedActivityScore), p.PhenotypeBefore.ToCpicTerm(), p.PhenotypeAfter.ToCpicTerm(), p.Explanation);

    private static GeneticFactorDto Describe(GeneticFactor f)
    {
        if (!f.Genotyped) return new GeneticFactorDto(f.Gene, null, null, null, $"{f.Gene} not genotyped: the guideline's 'no result' guidance applies");
        var phenotype = f.Phenotype!.Value.ToCpicTerm();
        var effect = f.GenotypePhenotype is { } before && before != f.Phenotype
            ? $"{f.Gene} {before.ToCpicTerm()} by genotype, {phenotype} with current co-medications"
            : $"{f.Gene} {phenotype}";
        return new GeneticFactorDto(f.Gene, f.Diplotype, phenotype, Score(f.ActivityScore, f.ActivityScoreIsLowerBound), effect);
    }

    private static string? Score(decimal? score, bool lowerBound = false) =>
        score is { } s ? (lowerBound ? "≥" : "") + s.ToString("0.0##", CultureInfo.InvariantCulture) : null;
}

/// <summary>The outcome model's estimate for one drug; null when no model is loaded.</summary>
/// <param name="InteractionScores">Gene–drug graph model score (0..1) for each of the drug's genes it knows.</param>
/// <param name="ResponseSkill">The response model's held-out skill against its baseline.</param>
/// <param name="InteractionSkill">The graph model's held-out skill against its baseline.</param>
/// <param name="SideEffectSkill">The side-effect heads' held-out skill against the baseline.</param>
public sealed record PgxOutcomeEstimate(
    EfficacyDto Efficacy, SideEffectDto[] SideEffects, string ModelVersion, IReadOnlyDictionary<string, double> InteractionScores,
    ModelSkill ResponseSkill, ModelSkill InteractionSkill, ModelSkill SideEffectSkill);

/// <summary>Seam between the worker and the (batched) outcome model.</summary>
public interface IPgxOutcomeEstimator
{
    Task<PgxOutcomeEstimate?> EstimateAsync(string drug, MedicationPlan plan, Genotype? genotype, WorkPriority priority);
}
