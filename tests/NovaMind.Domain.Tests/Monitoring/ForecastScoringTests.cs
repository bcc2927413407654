using NovaMind.Domain.Monitoring;

namespace NovaMind.Domain.Tests.Monitoring;

public class ForecastScoringTests
{
    private static readonly DateOnly Origin = new(2026, 6, 30);
    private static readonly DateTimeOffset ServedAt = new(2026, 7, 1, 8, 0, 0, TimeSpan.Zero);

    // A 7-day mood forecast: mean 5 every day, 80 % interval 4–6, 95 % interval 3–7.
    private static ServedForecast Week(ulong scored = 0) => new("1.0.0", "mood", Origin, ServedAt,
        [5, 5, 5, 5, 5, 5, 5], [4, 4, 4, 4, 4, 4, 4], [6, 6, 6, 6, 6, 6, 6], [3, 3, 3, 3, 3, 3, 3], [7, 7, 7, 7, 7, 7, 7], scored);

    [Fact]
    public void Each_observed_day_that_is_over_is_scored_once_against_the_days_mean()
    {
        // Observed daily means for days 1–4 (6.5 is outside the 80 % interval, inside the 95 %; 8 is outside both).
        var observed = new Dictionary<DateOnly, double> { [Origin.AddDays(1)] = 5.5, [Origin.AddDays(2)] = 6.5, [Origin.AddDays(3)] = 8, [Origin.AddDays(4)] = 4 };
        double? Mean(string symptom, DateOnly day) => symptom == "mood" && observed.TryGetValue(day, out var v) ? v : null;
        var today = Origin.AddDays(4); // day 4 is still going on: not scored yet

        var (kept, points, dropped) = ForecastScoring.Score([Week()], Mean, today, ServedAt.AddDays(3));
        Assert.Equal(0, dropped);
        Assert.Equal([1, 2, 3], points.Select(p => p.Horizon));
        Assert.Equal([0.5, 1.5, 3.0], points.Select(p => p.AbsoluteError));
        Assert.Equal([true, false, false], points.Select(p => p.In80));
        Assert.Equal([true, true, false], points.Select(p => p.In95));
        Assert.All(points, p => Assert.Equal("1-7", p.Bucket));
        Assert.Equal(0b111UL, Assert.Single(kept).ScoredHorizons);

        // The next day: only day 4 is new; days 1–3 are not counted again.
        var (_, again, _) = ForecastScoring.Score(kept, Mean, today.AddDays(1), ServedAt.AddDays(4));
        var p4 = Assert.Single(again);
        Assert.Equal((4, 1.0, true), (p4.Horizon, p4.AbsoluteError, p4.In80));
    }

    [Fact]
    public void A_forecast_is_dropped_when_every_day_was_scored_or_when_its_days_passed_the_grace_unobserved()
    {
        double? Always(string _, DateOnly __) => 5.0;
        var (kept, points, dropped) = ForecastScoring.Score([Week()], Always, Origin.AddDays(8), ServedAt.AddDays(8));
        Assert.Equal(7, points.Count);
        Assert.Empty(kept);
        Assert.Equal(1, dropped);

        double? Never(string _, DateOnly __) => null;
        var within = ForecastScoring.Score([Week()], Never, Origin.AddDays(7 + 7), ServedAt.AddDays(7 + 7));
        Assert.Single(within.Kept); // a late upload within the grace still counts
        var after = ForecastScoring.Score([Week()], Never, Origin.AddDays(7 + 8), ServedAt.AddDays(7 + 8));
        Assert.Empty(after.Kept);
        Assert.Equal(1, after.Dropped);
    }

    [Fact]
    public void Other_symptoms_readings_do_not_score_a_forecast()
    {
        double? PhqOnly(string symptom, DateOnly _) => symptom == "phq9" ? 12 : null;
        Assert.Empty(ForecastScoring.Score([Week()], PhqOnly, Origin.AddDays(8), ServedAt.AddDays(1)).Points);
    }

    [Theory]
    [InlineData(1, "1-7")]
    [InlineData(7, "1-7")]
    [InlineData(8, "8-14")]
    [InlineData(14, "8-14")]
    [InlineData(15, "15-28")]
    [InlineData(28, "15-28")]
    public void Horizons_fall_into_weekly_buckets(int horizon, string bucket)
    {
        Assert.Equal(bucket, HorizonBuckets.Of(horizon));
        var (first, last) = HorizonBuckets.Range(bucket);
        Assert.InRange(horizon, first, last);
    }
}

public class AccuracyStatsTests
{
    [Fact]
    public void Mae_spread_and_coverage_match_hand_computed_values_and_merging_equals_adding()
    {
        ScoredPoint P(double e, bool in80, bool in95) => new("v", "mood", 1, new DateOnly(2026, 7, 1), e, in80, in95);
        var points = new[] { P(0.5, true, true), P(1.5, false, true), P(3.0, false, false), P(1.0, true, true) };
        var all = points.Aggregate(AccuracyStats.Empty, (s, p) => s.Add(p));
        Assert.Equal(4, all.Count);
        Assert.Equal(1.5, all.Mae, 12);
        Assert.Equal(Math.Sqrt((1 + 0 + 2.25 + 0.25) / 3.0), all.StandardDeviation, 12); // deviations from 1.5: −1, 0, 1.5, −0.5
        Assert.Equal(0.5, all.Coverage80);
        Assert.Equal(0.75, all.Coverage95);
        var merged = points.Take(2).Aggregate(AccuracyStats.Empty, (s, p) => s.Add(p)).Merge(points.Skip(2).Aggregate(AccuracyStats.Empty, (s, p) => s.Add(p)));
        Assert.Equal(all, merged);
        Assert.True(double.IsNaN(AccuracyStats.Empty.Mae));
    }
}

public class LiveAccuracyRuleTests
{
    private static AccuracyStats Stats(long n, double mae, double sd) =>
        // n points with this mean and sample standard deviation: Σe = n·mae, Σe² = (n−1)·sd² + n·mae².
        new(n, n * mae, (n - 1) * sd * sd + n * mae * mae, 0, 0);

    private static readonly OfflineAccuracy Offline = new(1.0, 0.8, 0.95, "release evaluation");

    // One row per case: live count, live MAE, live sd → flagged, enough data. Offline MAE 1.0, margin 10 %, n ≥ 200, α = 0.05.
    [Theory]
    [InlineData(199, 2.0, 0.5, false, false)] // far worse, but too few points
    [InlineData(200, 1.0, 0.8, false, true)]  // as offline
    [InlineData(200, 1.10, 0.8, false, true)] // exactly at the margin: not above it
    [InlineData(400, 1.20, 0.8, true, true)]  // z = (1.2 − 1.1) / (0.8/20) = 2.5 > 1.645
    [InlineData(100_000, 1.105, 0.8, true, true)] // tiny excess, huge n: z = 0.005 / 0.00253 ≈ 1.98
    [InlineData(400, 1.16, 0.8, false, true)] // z = 1.5 < 1.645
    [InlineData(400, 0.70, 0.5, false, true)] // better than offline
    public void A_version_is_flagged_only_with_enough_points_and_significantly_more_error(int n, double mae, double sd, bool flagged, bool enough)
    {
        var verdict = new LiveAccuracyRule().Evaluate(Stats(n, mae, sd), Offline);
        Assert.Equal(flagged, verdict.Flagged);
        Assert.Equal(enough, verdict.EnoughData);
        Assert.Equal(mae, verdict.Ratio!.Value, 9);
        Assert.Contains("one-sided z-test", verdict.Rule);
    }

    [Fact]
    public void Without_an_offline_number_nothing_is_flagged_and_the_reason_is_given()
    {
        var verdict = new LiveAccuracyRule().Evaluate(Stats(1000, 5, 1), null);
        Assert.False(verdict.Flagged);
        Assert.Contains("no offline MAE", verdict.Rule);
    }
}
