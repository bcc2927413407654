using System.Globalization;

namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>What the patient's own treatment history says about a drug, within its guideline category.</summary>
public enum HistorySignal
{
    /// <summary>Responded or remitted on it before: ranks up.</summary>
    Favourable,
    /// <summary>No history, a partial response, or currently taking it.</summary>
    Neutral,
    /// <summary>No response before, or a serious side effect on it: ranks down.</summary>
    Unfavourable,
}

public sealed record HistoryEvidence(HistorySignal Signal, string? Reason)
{
    /// <summary>
    /// Rules, in order: a serious side effect on any earlier course (<see cref="MedicationPlanValidator.SeriousSideEffects"/>)
    /// is unfavourable; otherwise the most recent finished course decides (response or remission: favourable; none:
    /// unfavourable; partial: neutral); a drug never tried is neutral (and says so when it is being taken now).
    /// </summary>
    public static HistoryEvidence For(string drug, MedicationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(drug);
        ArgumentNullException.ThrowIfNull(plan);
        var courses = plan.History.Where(h => h.Drug == drug).OrderBy(h => h.End).ThenBy(h => h.Start).ToList();
        var serious = courses.LastOrDefault(c => c.SideEffects.Any(MedicationPlanValidator.SeriousSideEffects.Contains));
        if (serious is not null)
        {
            var effects = string.Join(", ", serious.SideEffects.Where(MedicationPlanValidator.SeriousSideEffects.Contains));
            return new(HistorySignal.Unfavourable, $"ranked down: serious side effect ({effects}) on {drug} {Period(serious)}");
        }
        if (courses.LastOrDefault() is { } last)
        {
            return last.Response switch
            {
                TreatmentResponse.Response or TreatmentResponse.Remission =>
                    new(HistorySignal.Favourable, $"ranked up: {last.Response.ToString().ToLowerInvariant()} on {drug} {Period(last)}"),
                TreatmentResponse.None => new(HistorySignal.Unfavourable, $"ranked down: no response to {drug} {Period(last)}"),
                _ => new(HistorySignal.Neutral, $"partial response to {drug} {Period(last)} (neither up nor down)"),
            };
        }
        var current = plan.Current.FirstOrDefault(c => c.Drug == drug);
        return current is null
            ? new(HistorySignal.Neutral, null)
            : new(HistorySignal.Neutral, $"currently taking {drug} since {Date(current.Start)} (no finished course to judge)");
    }

    private static string Period(PastTreatment t) => $"({Date(t.Start)} to {Date(t.End)})";

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>A model's estimate of response for one candidate, and whether it may order candidates.</summary>
/// <param name="UsedForRanking">True only for a model that beats its baseline on held-out data by a clear margin.</param>
/// <param name="Description">The estimate with its measured skill, as a clinician should read it.</param>
public sealed record EfficacyEstimate(double Probability, bool UsedForRanking, string Description);

/// <summary>One candidate drug: its guideline recommendation for this patient and the model's estimate (if any).</summary>
/// <param name="Notes">Further facts worth a line in the reasons (phenoconversion, missing genotype), in order.</param>
public sealed record RankingCandidate(
    string Drug,
    GuidelineCategory Category,
    string? CategoryReason,
    string GuidelineAction,
    string Strength,
    string MetabolizerStatus,
    string? RuleId,
    EfficacyEstimate? Efficacy,
    IReadOnlyList<string> Notes);

public sealed record RankedCandidate(int Rank, RankingCandidate Candidate, HistoryEvidence History, IReadOnlyList<string> Reasons);

/// <summary>
/// Orders candidate drugs for one patient. The guideline category decides first (standard, adjust, alternative,
/// no guidance, avoid last); inside a category the patient's own history (responded before: up; no response or a
/// serious side effect: down); then, only for a model that beats its baseline by a clear margin, the estimated
/// probability of response; then the name, so the order is deterministic.
/// </summary>
public static class MedicationRanking
{
    public static IReadOnlyList<RankedCandidate> Rank(IReadOnlyList<RankingCandidate> candidates, MedicationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(plan);
        return [.. candidates
            .Select(c => (Candidate: c, History: HistoryEvidence.For(c.Drug, plan)))
            .OrderBy(x => x.Candidate.Category)
            .ThenBy(x => x.History.Signal)
            .ThenBy(x => x.Candidate.Efficacy is { UsedForRanking: true } e ? -e.Probability : double.PositiveInfinity)
            .ThenBy(x => x.Candidate.Drug, StringComparer.Ordinal)
            .Select((x, i) => new RankedCandidate(i + 1, x.Candidate, x.History, Reasons(x.Candidate, x.History)))];
    }

    private static List<string> Reasons(RankingCandidate c, HistoryEvidence history)
    {
        var cpic = c.RuleId is null
            ? $"{c.GuidelineAction} ({c.MetabolizerStatus})"
            : $"CPIC says '{c.GuidelineAction}' for {c.Drug} with {c.MetabolizerStatus} [{c.Strength}; row {c.RuleId}]";
        var reasons = new List<string>
        {
            c.Category == GuidelineCategory.Avoid
                ? $"ranked last (category avoid): {cpic}"
                : $"category {c.Category.ToName()} ({c.Category.Meaning()}): {cpic}",
        };
        if (c.CategoryReason is not null) reasons.Add($"why {c.Category.ToName()}: {c.CategoryReason}");
        if (history.Reason is not null) reasons.Add(history.Reason);
        reasons.AddRange(c.Notes);
        if (c.Efficacy is { } e) reasons.Add(e.Description);
        return reasons;
    }
}
