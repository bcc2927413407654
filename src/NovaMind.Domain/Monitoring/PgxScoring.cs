using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Monitoring;

/// <summary>A treatment-response estimate a twin served: the model's probability that <see cref="Drug"/> brings response or remission.</summary>
public sealed record ServedPgxEstimate(string ModelVersion, string Drug, double ResponseProbability, DateOnly ServedOn);

/// <summary>One served estimate scored by the treatment that followed it: its Brier score (p − y)².</summary>
public readonly record struct PgxScoredPoint(string ModelVersion, string Drug, double Probability, bool Responded)
{
    public double Brier => (Probability - (Responded ? 1 : 0)) * (Probability - (Responded ? 1 : 0));
}

/// <summary>
/// Online validation of the treatment-response model (issue 16): an estimate served for a drug is scored by the first
/// treatment with that drug that started on or after the day it was served (the estimate came before the decision) and
/// has ended with a recorded response. The outcome is the model's training target: <c>Response</c> or <c>Remission</c>
/// count as response, <c>Partial</c> and <c>None</c> do not. Each estimate is scored once; one never followed by such a
/// treatment is dropped after <see cref="MaxWait"/>. Only the latest estimate per drug and version is kept (a clinician
/// looking again the next day does not make two predictions of one treatment).
/// </summary>
public static class PgxScoring
{
    public const int MaxWaitDays = 365;

    /// <summary>Adds <paramref name="estimate"/>, replacing an unscored one for the same drug and version.</summary>
    public static IReadOnlyList<ServedPgxEstimate> Record(IReadOnlyList<ServedPgxEstimate> served, ServedPgxEstimate estimate, int capacity)
    {
        var kept = served.Where(s => !(s.Drug == estimate.Drug && s.ModelVersion == estimate.ModelVersion)).ToList();
        kept.Add(estimate);
        return kept.Count > capacity ? kept.Skip(kept.Count - capacity).ToList() : kept;
    }

    public static (IReadOnlyList<ServedPgxEstimate> Kept, IReadOnlyList<PgxScoredPoint> Points) Score(
        IReadOnlyList<ServedPgxEstimate> served, IReadOnlyList<PastTreatment> history, DateOnly today)
    {
        var kept = new List<ServedPgxEstimate>();
        var points = new List<PgxScoredPoint>();
        foreach (var s in served)
        {
            var outcome = history.Where(t => t.Drug == s.Drug && t.Start >= s.ServedOn && t.End <= today).OrderBy(t => t.Start).FirstOrDefault();
            if (outcome is not null)
                points.Add(new PgxScoredPoint(s.ModelVersion, s.Drug, s.ResponseProbability, outcome.Response is TreatmentResponse.Response or TreatmentResponse.Remission));
            else if (today.DayNumber - s.ServedOn.DayNumber <= MaxWaitDays)
                kept.Add(s);
        }
        return (kept, points);
    }
}
