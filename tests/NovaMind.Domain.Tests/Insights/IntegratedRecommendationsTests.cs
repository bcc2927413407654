using NovaMind.Domain.Insights;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Insights;

public class IntegratedRecommendationsTests
{
    private static readonly DateOnly Origin = new(2026, 5, 1);

    private static SymptomOutlook Outlook(ObservationType symptom, double? last, params double[] means) =>
        new(symptom, last, [.. means.Select((m, i) => new OutlookPoint(Origin.AddDays(i + 1), m, m - 2, m + 2))], "0.5.0");

    private static MedicationFinding Drug(string name, GuidelineCategory category, bool current, string gene = "CYP2C19", string phenotype = "ultrarapid metabolizer") =>
        new(name, category, current, new Dictionary<string, string> { [gene] = phenotype }, "CPIC SSRI/SNRI (2023)");

    private static LagFinding Lag(ObservationType biometric, double q, double r = 0.5, int lag = 1) => new(biometric, ObservationType.Mood, lag, "spearman", r, q);

    // Symptom, last observed, forecast means → the threshold crossed (0: none) and on which day.
    [Theory]
    [InlineData("phq9", 12.0, new[] { 13.0, 14.0, 15.2 }, 15.0, 3)]
    [InlineData("phq9", 12.0, new[] { 13.0, 21.0 }, 20.0, 2)]          // the highest band entered
    [InlineData("phq9", 16.0, new[] { 17.0, 19.0 }, 0.0, 0)]           // already moderately severe, not severe
    [InlineData("phq9", 16.0, new[] { 20.5 }, 20.0, 1)]
    [InlineData("phq9", 9.9, new[] { 10.0 }, 10.0, 1)]                 // at the cut-off counts (≥)
    [InlineData("phq9", 10.0, new[] { 14.9 }, 0.0, 0)]
    [InlineData("phq9", 12.0, new[] { 11.0, 9.0 }, 0.0, 0)]            // improving
    [InlineData("gad7", 8.0, new[] { 16.0 }, 15.0, 1)]
    [InlineData("gad7", 15.0, new[] { 21.0 }, 0.0, 0)]                 // no band above severe
    [InlineData("mood", 2.0, new[] { 9.0 }, 0.0, 0)]                   // mood has no validated cut-off
    public void Crossing_finds_the_highest_new_severity_band(string symptom, double last, double[] means, double threshold, int day)
    {
        ObservationType.TryParse(symptom, out var type);
        var crossing = IntegratedRecommendations.Crossing(Outlook(type, last, means));
        if (threshold == 0) { Assert.Null(crossing); return; }
        Assert.NotNull(crossing);
        Assert.Equal(threshold, crossing.Value.Threshold.Threshold);
        Assert.Equal(day, crossing.Value.Day);
    }

    [Fact]
    public void No_last_observation_means_no_crossing() =>
        Assert.Null(IntegratedRecommendations.Crossing(Outlook(ObservationType.Phq9, null, 25)));

    [Fact]
    public void Thresholds_are_the_published_cut_offs()
    {
        Assert.Equal([10.0, 15.0, 20.0], IntegratedRecommendations.Thresholds.Where(t => t.Symptom == ObservationType.Phq9).Select(t => t.Threshold));
        Assert.Equal([10.0, 15.0], IntegratedRecommendations.Thresholds.Where(t => t.Symptom == ObservationType.Gad7).Select(t => t.Threshold));
        Assert.DoesNotContain(IntegratedRecommendations.Thresholds, t => t.Symptom == ObservationType.Mood);
    }

    // Category of a drug the patient takes now → whether a guideline recommendation fires.
    [Theory]
    [InlineData(GuidelineCategory.Avoid, true)]
    [InlineData(GuidelineCategory.Alternative, true)]
    [InlineData(GuidelineCategory.Adjust, true)]
    [InlineData(GuidelineCategory.Standard, false)]
    [InlineData(GuidelineCategory.NoGuidance, false)]
    public void A_flagged_current_drug_is_a_guideline_recommendation(GuidelineCategory category, bool fires)
    {
        var recs = IntegratedRecommendations.Derive(null, null, [Drug("escitalopram", category, current: true), Drug("sertraline", GuidelineCategory.Standard, current: false)]);
        if (!fires) { Assert.Empty(recs); return; }
        var r = Assert.Single(recs);
        Assert.Equal(IntegratedRecommendations.CurrentDrugFlagged, r.Rule);
        Assert.Equal(RecommendationBasis.Guideline, r.Basis);
        Assert.Contains($"CPIC category {category.ToName()}", r.Text);
        Assert.Contains("CYP2C19 ultrarapid metabolizer", r.Text);
        Assert.Contains("candidates with CPIC category standard: sertraline", r.Text);
        Assert.Equal([new RecommendationSource("medications", "CPIC SSRI/SNRI (2023)")], r.Sources);
    }

    [Fact]
    public void A_flagged_drug_the_patient_does_not_take_is_no_recommendation() =>
        Assert.Empty(IntegratedRecommendations.Derive(null, null, [Drug("citalopram", GuidelineCategory.Avoid, current: false)]));

    [Fact]
    public void Worsening_forecast_on_a_flagged_drug_cites_both_parts_and_is_an_estimate()
    {
        var recs = IntegratedRecommendations.Derive([Outlook(ObservationType.Phq9, 12, 13, 14, 15.5)], null,
            [Drug("escitalopram", GuidelineCategory.Alternative, current: true)]);
        Assert.Equal([IntegratedRecommendations.CurrentDrugFlagged, IntegratedRecommendations.WorseningOnFlaggedDrug, IntegratedRecommendations.ForecastCrossesThreshold],
            recs.Select(r => r.Rule));
        var combined = recs[1];
        Assert.Equal(RecommendationBasis.ModelEstimate, combined.Basis);
        Assert.Equal(["forecast", "medications"], combined.Sources.Select(s => s.Part));
        Assert.Contains("forecast model 0.5.0 (estimate)", combined.Sources[0].Reference);
        Assert.Contains("PHQ-9 forecast to rise to 15 or more (moderately severe) within 3 days: day 3 (2026-05-04) mean 15.5, 80 % interval 13.5–17.5", combined.Text);
        Assert.Contains("while taking escitalopram (CYP2C19 ultrarapid metabolizer: CPIC category alternative)", combined.Text);
        // What the rule matched, for screens that must not parse the text.
        Assert.Equal(new Dictionary<string, string> { ["symptom"] = "phq9", ["threshold"] = "15", ["band"] = "moderately severe", ["day"] = "3",
            ["drug"] = "escitalopram", ["category"] = "alternative" }, combined.Facts);
        Assert.Equal(new Dictionary<string, string> { ["drug"] = "escitalopram", ["category"] = "alternative" }, recs[0].Facts);
    }

    [Fact]
    public void A_forecast_crossing_without_medications_is_a_forecast_recommendation_only()
    {
        var r = Assert.Single(IntegratedRecommendations.Derive([Outlook(ObservationType.Gad7, 9, 10.5), Outlook(ObservationType.Mood, 3, 9)], null, null));
        Assert.Equal(IntegratedRecommendations.ForecastCrossesThreshold, r.Rule);
        Assert.StartsWith("GAD-7 forecast to rise to 10 or more (moderate)", r.Text);
        Assert.Equal(RecommendationBasis.ModelEstimate, r.Basis);
    }

    // q-value → whether the lag correlation is a recommendation (strictly below 0.05).
    [Theory]
    [InlineData(0.001, true)]
    [InlineData(0.049, true)]
    [InlineData(0.05, false)]
    [InlineData(0.2, false)]
    public void A_lag_correlation_is_recommended_only_below_the_false_discovery_rate(double q, bool fires)
    {
        var recs = IntegratedRecommendations.Derive(null, [Lag(ObservationType.SleepHours, q)], null);
        if (!fires) { Assert.Empty(recs); return; }
        var r = Assert.Single(recs);
        Assert.Equal(IntegratedRecommendations.SignificantLag, r.Rule);
        Assert.Equal(RecommendationBasis.StatisticalAssociation, r.Basis);
        Assert.StartsWith("sleep_hours → mood at lag 1 day (spearman 0.50", r.Text);
        Assert.Contains("review sleep", r.Text);
        Assert.Contains("not a proven cause", r.Text);
        Assert.Equal("sleep_hours", r.Facts["biometric"]);
        Assert.Equal("1", r.Facts["lag_days"]);
    }

    [Theory]
    [InlineData("sleep_hours", "review sleep")]
    [InlineData("steps", "review physical activity")]
    [InlineData("hrv_ms", "review stress and recovery")]
    [InlineData("resting_hr", "review stress and recovery")]
    public void Each_biometric_has_its_review(string biometric, string review)
    {
        ObservationType.TryParse(biometric, out var type);
        Assert.Contains(review, Assert.Single(IntegratedRecommendations.Derive(null, [Lag(type, 0.01)], null)).Text);
    }

    [Fact]
    public void At_most_three_correlation_recommendations_smallest_q_first()
    {
        var recs = IntegratedRecommendations.Derive(null,
            [Lag(ObservationType.Steps, 0.03), Lag(ObservationType.SleepHours, 0.001), Lag(ObservationType.HrvMs, 0.02), Lag(ObservationType.RestingHr, 0.04)], null);
        Assert.Equal(["sleep_hours", "hrv_ms", "steps"], recs.Select(r => r.Text.Split(' ')[0]));
    }

    [Fact]
    public void Missing_parts_contribute_nothing() =>
        Assert.Empty(IntegratedRecommendations.Derive(null, null, null));

    [Fact]
    public void Default_candidates_are_current_then_recent_then_first_line_without_repeats()
    {
        var today = new DateOnly(2026, 11, 30);
        var plan = new MedicationPlan([new CurrentMedication("escitalopram", 10, new DateOnly(2026, 9, 1))],
        [
            new PastTreatment("bupropion", 150, new DateOnly(2026, 1, 1), new DateOnly(2026, 6, 1), TreatmentResponse.None, []),
            new PastTreatment("amitriptyline", 50, new DateOnly(2024, 1, 1), new DateOnly(2024, 6, 1), TreatmentResponse.Partial, []), // more than a year ago
            new PastTreatment("sertraline", 50, new DateOnly(2026, 6, 2), new DateOnly(2026, 8, 30), TreatmentResponse.Partial, []),
        ]);
        Assert.Equal(["escitalopram", "sertraline", "bupropion", "citalopram", "venlafaxine"], DefaultMedicationCandidates.For(plan, today));
        Assert.All(DefaultMedicationCandidates.FirstLine, d => Assert.True(PgxKnowledgeBase.Default.Drugs.IsSupported(d), d));
    }
}
