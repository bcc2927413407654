using System.Globalization;
using NovaMind.Contracts;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Grains.Placement;
using NovaMind.Grains.Twins;
using Orleans.Concurrency;

namespace NovaMind.Grains.Workers;

/// <summary>
/// Pharmacogenomics for one drug and one patient: the CPIC recommendation from the knowledge base (cited),
/// metabolizer status per gene (CYP2D6 after phenoconversion by co-medications), and the outcome model's
/// estimates, labelled as model estimates.
/// </summary>
[StatelessWorker]
[AcceleratorSiloPlacementFilter]
public sealed class PgxWorkerGrain(IPgxOutcomeEstimator estimator) : Grain, IPgxWorkerGrain
{
    private static readonly PgxKnowledgeBase KnowledgeBase = PgxKnowledgeBase.Default;
    private static readonly PhenotypeCalculator Phenotypes = new(KnowledgeBase);

    public async Task<MedicationPredictionResult> Predict(string drug, Dictionary<string, string>? genotype, MedicationPlanDto medications, WorkPriority priority)
    {
        if (!KnowledgeBase.Drugs.IsSupported(drug))
            return new MedicationPredictionResult(PgxStatus.UnknownDrug, null, [.. KnowledgeBase.Drugs.SupportedDrugs]);
        var name = DrugCatalogue.Normalize(drug);
        var parsed = genotype is null ? null : Genotype.Parse(genotype, KnowledgeBase).Genotype;
        var plan = medications.ToDomain();
        var coMedications = plan.Current.Select(c => c.Drug).Where(d => d != name).ToList();
        var recommendation = RecommendationEngine.Default.Recommend(name, parsed, coMedications);
        var estimate = await estimator.EstimateAsync(name, plan, parsed, priority);

        var status = parsed?.Results.ToDictionary(r => r.Gene, r => Phenotypes.Phenotype(r).PhenotypeTerm, StringComparer.Ordinal) ?? [];
        var prediction = new MedicationPredictionDto(
            name,
            estimate?.Efficacy,
            estimate?.SideEffects ?? [],
            [.. recommendation.GeneticFactors.Select(f => Describe(f) with { ModelInteractionScore = estimate?.InteractionScores.GetValueOrDefault(f.Gene) })],
            status,
            new GuidelineRecommendationDto(recommendation.Action, recommendation.StrengthTerm, recommendation.Text, recommendation.Guideline,
                recommendation.GuidelineVersion, recommendation.Source.Url),
            [.. recommendation.Phenoconversions.Where(p => p.Applied).Select(p => new PhenoconversionDto(p.Gene, p.Inhibitor,
                Score(p.OriginalActivityScore), Score(p.AdjustedActivityScore), p.PhenotypeBefore.ToCpicTerm(), p.PhenotypeAfter.ToCpicTerm(), p.Explanation))],
            recommendation.GenotypeMissing,
            estimate?.ModelVersion,
            recommendation.KnowledgeBaseVersion,
            recommendation.GenotypeMissing
                ? "No genotype on record: the guideline part falls back to standard dosing guidance. Efficacy and side effects are model estimates from synthetic training data, not guideline content."
                : "The recommendation is CPIC guideline content from the knowledge base. Efficacy and side effects are model estimates from synthetic training data, not guideline content.");
        return new MedicationPredictionResult(PgxStatus.Ok, prediction, []);
    }

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
public sealed record PgxOutcomeEstimate(EfficacyDto Efficacy, SideEffectDto[] SideEffects, string ModelVersion, IReadOnlyDictionary<string, double> InteractionScores);

/// <summary>Seam between the worker and the (batched) outcome model.</summary>
public interface IPgxOutcomeEstimator
{
    Task<PgxOutcomeEstimate?> EstimateAsync(string drug, MedicationPlan plan, Genotype? genotype, WorkPriority priority);
}
