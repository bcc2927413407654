using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Ml.Pharmacogenomics;

/// <summary>
/// A question for the treatment-response model: how is this patient likely to do on <paramref name="Drug"/> at
/// <paramref name="DoseMg"/>? <paramref name="Genotype"/> is null for a patient who was not genotyped.
/// </summary>
/// <param name="Drug">A drug with a CPIC guideline in the knowledge base (any case).</param>
/// <param name="CoMedications">Other drugs taken now; CYP2D6 inhibitors among them phenoconvert CYP2D6.</param>
/// <param name="History">Earlier treatments; drugs outside the model's vocabulary are encoded as "other drug".</param>
public sealed record TreatmentResponseInput(
    string Drug, double DoseMg, Genotype? Genotype, IReadOnlyList<string> CoMedications, IReadOnlyList<PastTreatment> History);

/// <summary>
/// A model estimate, not a guideline recommendation (those come only from <see cref="RecommendationEngine"/> and cite
/// CPIC). Trained on synthetic outcomes (docs/pgx-outcome-simulator.md); not validated on real patients.
/// </summary>
/// <param name="Efficacy">Calibrated probability of response (0..1).</param>
/// <param name="Confidence">1 − normalised binary entropy of <paramref name="Efficacy"/> (0 at 0.5, 1 at 0 or 1); see docs/pgx-models.md.</param>
/// <param name="Percentile">Where <paramref name="Efficacy"/> lies among the simulated reference population's scores for the same drug (0..100).</param>
/// <param name="SideEffects">Calibrated probability of each known side effect.</param>
public sealed record TreatmentResponseOutput(double Efficacy, double Confidence, double Percentile, IReadOnlyDictionary<string, double> SideEffects)
{
    /// <summary>How every output of these models must be presented.</summary>
    public const string EstimateLabel =
        "model estimate (trained on synthetic outcomes; not a guideline recommendation and not validated on real patients)";
}
