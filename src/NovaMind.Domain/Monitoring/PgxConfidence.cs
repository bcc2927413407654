namespace NovaMind.Domain.Monitoring;

/// <summary>Whether a treatment-response estimate should be read with care, and why.</summary>
public sealed record PgxConfidenceAssessment(bool LowConfidence, IReadOnlyList<string> Reasons);

/// <summary>
/// The low-confidence rule for PGx model estimates (issue 16), from explicit facts rather than the estimate's value: the
/// response model's held-out improvement over its baseline is not clear (its 95 % bootstrap interval includes zero), or
/// the model ran without the patient's genotype (none on record, or one that needs review) and so estimates from
/// history and co-medication alone. The estimate's own certainty (1 − normalised entropy) is reported next to it as
/// before; guideline content is never flagged by this rule — it is not a model estimate.
/// </summary>
public static class PgxConfidenceRule
{
    public const string NoSkill = "no_skill_over_baseline", GenotypeMissing = "genotype_missing", GenotypeNeedsReview = "genotype_needs_review";

    public const string Description =
        "low confidence when the response model does not clearly beat its baseline on held-out data, or the estimate was made without a usable genotype";

    public static PgxConfidenceAssessment Assess(bool modelBeatsBaseline, bool genotypeMissing, bool genotypeNeedsReview)
    {
        var reasons = new List<string>();
        if (!modelBeatsBaseline) reasons.Add(NoSkill);
        if (genotypeMissing) reasons.Add(GenotypeMissing);
        if (genotypeNeedsReview) reasons.Add(GenotypeNeedsReview);
        return new PgxConfidenceAssessment(reasons.Count > 0, reasons);
    }
}
