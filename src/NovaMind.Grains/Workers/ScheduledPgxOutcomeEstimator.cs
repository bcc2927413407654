using NovaMind.Contracts;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Ml.Inference;
using NovaMind.Ml.Pharmacogenomics;

namespace NovaMind.Grains.Workers;

/// <summary>
/// Runs the treatment-response model through the silo's scheduler (batched with every other caller). The dose is
/// the patient's current dose of that drug, else the last dose they took it at, else the model's reference dose.
/// </summary>
public sealed class ScheduledPgxOutcomeEstimator(InferenceScheduler<TreatmentResponseInput, TreatmentResponseOutput> scheduler, PgxModels models, TimeSpan deadline)
    : IPgxOutcomeEstimator
{
    private IReadOnlyDictionary<string, double> InteractionScores(string drug)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var s in models.InteractionScores().Where(s => s.Drug == drug)) scores[s.Gene] = Math.Round(s.Score, 4);
        return scores;
    }

    public async Task<PgxOutcomeEstimate?> EstimateAsync(string drug, MedicationPlan plan, Genotype? genotype, WorkPriority priority)
    {
        if (!models.Drugs.Contains(drug)) return null; // a drug the model was not trained on: guideline only
        var dose = plan.Current.FirstOrDefault(c => c.Drug == drug)?.DoseMg
                   ?? plan.History.Where(h => h.Drug == drug).OrderBy(h => h.End).LastOrDefault()?.DoseMg
                   ?? models.Metadata.Response.ReferenceDosesMg[drug];
        var input = new TreatmentResponseInput(drug, dose, genotype, [.. plan.Current.Select(c => c.Drug).Where(d => d != drug)], plan.History);
        TreatmentResponseOutput output;
        try
        {
            output = await scheduler.EnqueueAsync(input, new InferenceRequestOptions((InferencePriority)priority, deadline));
        }
        catch (Exception ex) when (ex is InferenceOverloadedException or InferenceDeadlineExceededException)
        {
            throw new InferenceUnavailableException(ex.Message);
        }
        return new PgxOutcomeEstimate(
            new EfficacyDto(Math.Round(output.Efficacy, 4), Math.Round(output.Confidence, 4), Math.Round(output.Percentile, 1)),
            [.. output.SideEffects.OrderByDescending(s => s.Value).Select(s => new SideEffectDto(s.Key, Math.Round(s.Value, 4)))],
            models.Version,
            InteractionScores(drug),
            models.Metadata.Metrics.ResponseSkill(),
            models.Metadata.Metrics.InteractionSkill(),
            models.Metadata.Metrics.SideEffectSkill());
    }
}
