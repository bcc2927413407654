using System.Globalization;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Insights;

/// <summary>What a recommendation rests on: a guideline (a rule of the knowledge base), a model's estimate, or a statistical association.</summary>
public enum RecommendationBasis { Guideline, ModelEstimate, StatisticalAssociation }

/// <summary>One part of the insights and the exact guideline, model or test a recommendation cites from it.</summary>
public sealed record RecommendationSource(string Part, string Reference);

/// <summary>
/// A recommendation that combines the parts of a patient's insights. <see cref="Rule"/> names the rule of
/// <see cref="IntegratedRecommendations"/> that produced it; <see cref="Basis"/> says whether it is a guideline statement,
/// a model estimate (it depends on a forecast) or a statistical association. <see cref="Facts"/> holds what the rule
/// matched (drug, category, symptom, threshold, biometric, lag…) so that screens never parse <see cref="Text"/>.
/// </summary>
public sealed record IntegratedRecommendation(string Rule, string Text, RecommendationBasis Basis, IReadOnlyList<RecommendationSource> Sources,
    IReadOnlyDictionary<string, string> Facts);

/// <summary>One forecast day: the mean and the 80 % interval.</summary>
public sealed record OutlookPoint(DateOnly Date, double Mean, double Lower80, double Upper80);

/// <summary>A served forecast of one symptom, with the last value observed before it.</summary>
public sealed record SymptomOutlook(ObservationType Symptom, double? LastObserved, IReadOnlyList<OutlookPoint> Points, string ModelVersion);

/// <summary>A lag correlation that passed the report's filter (its q-value is the Benjamini–Hochberg adjusted p-value).</summary>
public sealed record LagFinding(ObservationType Biometric, ObservationType Symptom, int LagDays, string Method, double Coefficient, double QValue);

/// <summary>A drug the medication part ranked, with the guideline category it got for this patient.</summary>
/// <param name="Phenotypes">The patient's phenotype for each gene the drug's guideline uses (gene → phenotype).</param>
/// <param name="Guideline">The guideline and version the category comes from.</param>
public sealed record MedicationFinding(string Drug, GuidelineCategory Category, bool IsCurrent, IReadOnlyDictionary<string, string> Phenotypes, string Guideline);

/// <summary>A validated severity band of a questionnaire: a score at or above <see cref="Threshold"/> is at least <see cref="Label"/>.</summary>
public sealed record SeverityThreshold(ObservationType Symptom, double Threshold, string Label, string Source);

/// <summary>
/// The rules that turn a patient's parts (forecast, lag correlations, medication ranking) into integrated
/// recommendations. Every rule is explicit and table-tested; none reads free text. A part that is missing (not
/// requested, timed out, unavailable) simply contributes nothing: rules that need it do not fire.
/// </summary>
public static class IntegratedRecommendations
{
    public const string ForecastCrossesThreshold = "forecast_crosses_severity_threshold";
    public const string WorseningOnFlaggedDrug = "forecast_worsening_on_drug_with_pgx_flag";
    public const string CurrentDrugFlagged = "current_drug_pgx_flag";
    public const string SignificantLag = "significant_lag_correlation";

    /// <summary>A lag correlation counts as significant below this q-value (false discovery rate 5 %).</summary>
    public const double SignificantQ = 0.05;

    /// <summary>At most this many correlation recommendations (the smallest q-values), so they do not drown the rest.</summary>
    public const int MaxCorrelationRecommendations = 3;

    /// <summary>
    /// Severity bands with published cut-offs: PHQ-9 10/15/20 (Kroenke, Spitzer &amp; Williams, J Gen Intern Med
    /// 2001;16:606–613) and GAD-7 10/15 (Spitzer et al., Arch Intern Med 2006;166:1092–1097). Mood has no validated
    /// cut-off, so no threshold rule fires for it.
    /// </summary>
    public static IReadOnlyList<SeverityThreshold> Thresholds { get; } =
    [
        new(ObservationType.Phq9, 10, "moderate", "PHQ-9 severity bands (Kroenke et al. 2001)"),
        new(ObservationType.Phq9, 15, "moderately severe", "PHQ-9 severity bands (Kroenke et al. 2001)"),
        new(ObservationType.Phq9, 20, "severe", "PHQ-9 severity bands (Kroenke et al. 2001)"),
        new(ObservationType.Gad7, 10, "moderate", "GAD-7 severity bands (Spitzer et al. 2006)"),
        new(ObservationType.Gad7, 15, "severe", "GAD-7 severity bands (Spitzer et al. 2006)"),
    ];

    /// <summary>What a clinician would review when a biometric leads a symptom.</summary>
    public static IReadOnlyDictionary<ObservationType, string> BiometricReview { get; } = new Dictionary<ObservationType, string>
    {
        [ObservationType.SleepHours] = "review sleep",
        [ObservationType.Steps] = "review physical activity",
        [ObservationType.HrvMs] = "review stress and recovery",
        [ObservationType.RestingHr] = "review stress and recovery",
    };

    /// <summary>Guideline categories that flag a drug the patient takes now, and what to do about each.</summary>
    public static IReadOnlyDictionary<GuidelineCategory, string> CurrentDrugActions { get; } = new Dictionary<GuidelineCategory, string>
    {
        [GuidelineCategory.Avoid] = "the guideline advises against it: review and consider switching",
        [GuidelineCategory.Alternative] = "the guideline suggests an alternative drug: review the choice",
        [GuidelineCategory.Adjust] = "the guideline advises a dose change or monitoring: review the dose",
    };

    /// <summary>
    /// The integrated recommendations, in this order: guideline flags on current drugs; forecast worsening on a flagged
    /// drug; forecast threshold crossings; significant lag correlations (smallest q first, at most
    /// <see cref="MaxCorrelationRecommendations"/>). Parts may be null (not available).
    /// </summary>
    public static IReadOnlyList<IntegratedRecommendation> Derive(
        IReadOnlyList<SymptomOutlook>? forecasts, IReadOnlyList<LagFinding>? correlations, IReadOnlyList<MedicationFinding>? medications)
    {
        var result = new List<IntegratedRecommendation>();
        var flagged = (medications ?? []).Where(m => m.IsCurrent && CurrentDrugActions.ContainsKey(m.Category))
            .OrderByDescending(m => m.Category).ThenBy(m => m.Drug, StringComparer.Ordinal).ToList();
        var standardOptions = (medications ?? []).Where(m => !m.IsCurrent && m.Category == GuidelineCategory.Standard).Select(m => m.Drug).ToList();

        foreach (var m in flagged)
            result.Add(new(CurrentDrugFlagged,
                $"current {m.Drug}: CPIC category {m.Category.ToName()} ({Phenotypes(m)}); {CurrentDrugActions[m.Category]}{Options(standardOptions)}",
                RecommendationBasis.Guideline, [new("medications", m.Guideline)], DrugFacts(m)));

        var crossings = (forecasts ?? []).Select(Crossing).OfType<(SymptomOutlook Outlook, SeverityThreshold Threshold, int Day)>().ToList();
        foreach (var (outlook, threshold, day) in crossings)
        {
            foreach (var m in flagged)
                result.Add(new(WorseningOnFlaggedDrug,
                    $"{Crosses(outlook, threshold, day)} while taking {m.Drug} ({Phenotypes(m)}: CPIC category {m.Category.ToName()}): review the current treatment{Options(standardOptions)}",
                    RecommendationBasis.ModelEstimate,
                    [new("forecast", $"forecast model {outlook.ModelVersion} (estimate); {threshold.Source}"), new("medications", m.Guideline)],
                    new Dictionary<string, string>(ThresholdFacts(threshold, day).Concat(DrugFacts(m)))));
        }
        foreach (var (outlook, threshold, day) in crossings)
            result.Add(new(ForecastCrossesThreshold, $"{Crosses(outlook, threshold, day)}: review at the next contact",
                RecommendationBasis.ModelEstimate, [new("forecast", $"forecast model {outlook.ModelVersion} (estimate); {threshold.Source}")],
                ThresholdFacts(threshold, day)));

        foreach (var c in (correlations ?? []).Where(c => c.QValue < SignificantQ && BiometricReview.ContainsKey(c.Biometric))
                     .OrderBy(c => c.QValue).ThenByDescending(c => Math.Abs(c.Coefficient)).Take(MaxCorrelationRecommendations))
            result.Add(new(SignificantLag,
                $"{c.Biometric.Name} → {c.Symptom.Name} at lag {c.LagDays} day{(c.LagDays == 1 ? "" : "s")} ({c.Method} {F(c.Coefficient, 2)}, q = {F(c.QValue, 3)} < {F(SignificantQ, 2)}): " +
                $"{BiometricReview[c.Biometric]} (an association in this patient's data, not a proven cause)",
                RecommendationBasis.StatisticalAssociation,
                [new("correlations", $"{c.Method} lag correlation with Benjamini–Hochberg q-values")],
                new Dictionary<string, string> { ["biometric"] = c.Biometric.Name, ["symptom"] = c.Symptom.Name, ["lag_days"] = I(c.LagDays), ["q_value"] = F(c.QValue, 4) }));
        return result;
    }

    private static Dictionary<string, string> DrugFacts(MedicationFinding m) => new() { ["drug"] = m.Drug, ["category"] = m.Category.ToName() };

    private static Dictionary<string, string> ThresholdFacts(SeverityThreshold t, int day) =>
        new() { ["symptom"] = t.Symptom.Name, ["threshold"] = F(t.Threshold, 0), ["band"] = t.Label, ["day"] = I(day) };

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The highest threshold whose band the forecast mean enters from below: the last observed value is under it and some
    /// forecast day's mean is at or above it. Null when there is no threshold for the symptom, no last value, or no crossing.
    /// </summary>
    public static (SymptomOutlook Outlook, SeverityThreshold Threshold, int Day)? Crossing(SymptomOutlook outlook)
    {
        if (outlook.LastObserved is not { } last) return null;
        foreach (var threshold in Thresholds.Where(t => t.Symptom == outlook.Symptom).OrderByDescending(t => t.Threshold))
        {
            if (last >= threshold.Threshold) return null; // already in this band (or a higher one): not a new crossing
            for (var d = 0; d < outlook.Points.Count; d++)
                if (outlook.Points[d].Mean >= threshold.Threshold) return (outlook, threshold, d + 1);
        }
        return null;
    }

    private static string Crosses(SymptomOutlook o, SeverityThreshold t, int day)
    {
        var p = o.Points[day - 1];
        return $"{Label(o.Symptom)} forecast to rise to {F(t.Threshold, 0)} or more ({t.Label}) within {o.Points.Count} days: day {day} ({p.Date:yyyy-MM-dd}) " +
               $"mean {F(p.Mean, 1)}, 80 % interval {F(p.Lower80, 1)}–{F(p.Upper80, 1)}; last observed {F(o.LastObserved!.Value, 1)}";
    }

    private static string Label(ObservationType symptom) =>
        symptom == ObservationType.Phq9 ? "PHQ-9" : symptom == ObservationType.Gad7 ? "GAD-7" : symptom.Name;

    private static string Phenotypes(MedicationFinding m) =>
        m.Phenotypes.Count == 0 ? "no genotype on record" : string.Join(", ", m.Phenotypes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));

    private static string Options(IReadOnlyList<string> standard) =>
        standard.Count == 0 ? "" : $"; candidates with CPIC category standard: {string.Join(", ", standard)}";

    private static string F(double v, int digits) => v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

/// <summary>
/// The medication candidates the insights rank when none are given: the patient's current drugs, drugs tried in the
/// last <see cref="RecentTrialDays"/> days, and the usual first-line antidepressants that have a CPIC recommendation.
/// </summary>
public static class DefaultMedicationCandidates
{
    public const int RecentTrialDays = 365;

    /// <summary>
    /// SSRIs (and the SNRI venlafaxine) are the usual first-line drug treatment for depression and anxiety disorders
    /// (NICE NG222, 2022; APA practice guideline for depression, 2019); these four have a CPIC SSRI/SNRI (2023) table.
    /// </summary>
    public static IReadOnlyList<string> FirstLine { get; } = ["citalopram", "escitalopram", "sertraline", "venlafaxine"];

    public static IReadOnlyList<string> For(MedicationPlan plan, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return [.. plan.Current.Select(c => c.Drug)
            .Concat(plan.History.Where(h => h.End >= today.AddDays(-RecentTrialDays)).OrderByDescending(h => h.End).Select(h => h.Drug))
            .Concat(FirstLine)
            .Distinct(StringComparer.Ordinal)];
    }
}
