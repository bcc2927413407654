using System.Diagnostics.Metrics;
using NovaMind.Domain.Monitoring;

namespace NovaMind.Grains.Monitoring;

/// <summary>PGx estimates served, by model version and verdict, and low-confidence ones by reason (no patient data).</summary>
public static class PgxConfidenceMetrics
{
    private static readonly Meter PgxMeter = new("NovaMind.Monitoring.Pgx");
    private static readonly Counter<long> Assessed = PgxMeter.CreateCounter<long>("novamind.pgx.confidence_assessed", "{estimate}",
        "PGx model estimates served with a confidence assessment (model_version, low_confidence)");
    private static readonly Counter<long> Reasons = PgxMeter.CreateCounter<long>("novamind.pgx.low_confidence_reasons", "{estimate}",
        "Low-confidence PGx estimates by reason (no_skill_over_baseline, genotype_missing, genotype_needs_review)");
    private static readonly string[] AllReasons = [PgxConfidenceRule.NoSkill, PgxConfidenceRule.GenotypeMissing, PgxConfidenceRule.GenotypeNeedsReview];

    public static void Record(string version, PgxConfidenceAssessment assessment)
    {
        Assessed.Add(1, new System.Diagnostics.TagList { { "model_version", version }, { "low_confidence", assessment.LowConfidence ? "true" : "false" } });
        foreach (var reason in AllReasons) // every series from the first estimate on, at 0 where it does not apply
            Reasons.Add(assessment.Reasons.Contains(reason) ? 1 : 0, new System.Diagnostics.TagList { { "model_version", version }, { "reason", reason } });
    }
}
