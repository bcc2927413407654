using System.Globalization;
using NovaMind.Contracts;
using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Grains.Twins;

/// <summary>Between the wire DTOs and the pharmacogenomics domain types.</summary>
public static class PgxMapping
{
    public static MedicationPlanDto ToDto(this MedicationPlan plan) => new(
        [.. plan.Current.Select(c => new CurrentMedicationDto(c.Drug, c.DoseMg, c.Start))],
        [.. plan.History.Select(h => new PastTreatmentDto(h.Drug, h.DoseMg, h.Start, h.End, h.Response.ToString().ToLowerInvariant(), [.. h.SideEffects]))]);

    /// <summary>Re-validates a DTO (defence in depth at the twin) and returns the domain plan, or the errors.</summary>
    public static MedicationPlanValidation Validate(this MedicationPlanDto dto, DrugCatalogue catalogue, DateOnly today) =>
        MedicationPlanValidator.Validate(
            [.. dto.Current.Select(c => new RawMedication(c.Drug, c.DoseMg, c.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null, null, null))],
            [.. dto.History.Select(h => new RawMedication(h.Drug, h.DoseMg, h.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                h.End.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), h.Response, h.SideEffects))],
            catalogue, today);

    public static MedicationPlan ToDomain(this MedicationPlanDto dto) => new(
        [.. dto.Current.Select(c => new CurrentMedication(c.Drug, c.DoseMg, c.Start))],
        [.. dto.History.Select(h => new PastTreatment(h.Drug, h.DoseMg, h.Start, h.End, Enum.Parse<TreatmentResponse>(h.Response, ignoreCase: true), h.SideEffects))]);

    /// <summary>A worker's prediction as a ranking candidate: the guideline category comes from the knowledge-base row (by name), never from text.</summary>
    public static RankingCandidate ToRankingCandidate(this MedicationPredictionDto p)
    {
        if (!GuidelineCategories.TryParse(p.Recommendation.Category, out var category))
            throw new InvalidOperationException($"unknown guideline category '{p.Recommendation.Category}' for {p.Medication}");
        var notes = new List<string>();
        notes.AddRange(p.Phenoconversions.Select(c => $"phenoconversion: {c.Explanation}"));
        notes.AddRange(p.CausedPhenoconversions.Select(c => $"if taken: {c.Explanation}"));
        if (p.GenotypeReview is not null) notes.Add($"genotype needs review: {p.GenotypeReview}");
        else if (p.GenotypeMissing) notes.Add("no genotype on record for this drug's genes: standard dosing guidance");
        notes.AddRange(p.GenotypeChanges.Select(c => $"phenotype changed on re-validation: {c}"));
        EfficacyEstimate? efficacy = null;
        if (p.Efficacy is { } e)
        {
            var used = e.Skill is { BeatsBaseline: true };
            var label = used ? "model estimate (breaks ties inside the category)" : "model estimate (shown, not used to rank)";
            efficacy = new EfficacyEstimate(e.Score, used,
                $"{label}: probability of response {e.Score:0.00} (percentile {e.Percentile:0}); {e.Skill?.Summary ?? "no measured skill"}");
        }
        return new RankingCandidate(p.Medication, category, p.Recommendation.CategoryReason, p.Recommendation.Action, p.Recommendation.Strength,
            p.Recommendation.RuleId is null ? p.Recommendation.Text : string.Join("; ", p.GeneticFactors.Select(f => f.Phenotype is null ? $"{f.Gene} not genotyped" : $"{f.Gene} {f.Phenotype}")),
            p.Recommendation.RuleId, efficacy, notes);
    }
}
