using NovaMind.Domain.Monitoring;

namespace NovaMind.Domain.Tests.Monitoring;

public class ForecastConfidenceTests
{
    private static readonly ReferenceDistribution Sleep = ReferenceDistribution.FromQuantiles("sleep_hours_mean7", [6, 6.25, 6.5, 6.75, 7, 7.25, 7.5, 7.75, 8], 1000);
    private static readonly ReferenceDistribution Steps = ReferenceDistribution.FromQuantiles("steps_mean7", [2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000], 1000);
    private static readonly double[] HalfWidth = [1, 1, 1, 1, 1, 1, 1, 2, 2];

    /// <summary>Three members: two agreeing at 5 and one <paramref name="offset"/> away on every horizon.</summary>
    private static IReadOnlyList<IReadOnlyList<double>> Members(double offset) =>
        [Enumerable.Repeat(5.0, 9).ToArray(), Enumerable.Repeat(5.0, 9).ToArray(), Enumerable.Repeat(5.0 + offset, 9).ToArray()];

    // Sleep deciles: median 7, robust sd 2 / 2.5631 = 0.7803 h; 7 + 4 × 0.7803 = 10.12 h.
    public static TheoryData<double, double, double, double, string[]> Cases => new()
    {
        { 1.0, 0.5, 7.0, 6000, [] },                                                   // a patient like the cohort
        { 2.0, 1.0, 10.1, 6000, [] },                                                  // every measure at (not over) its threshold
        { 2.01, 0.5, 7.0, 6000, [ConfidenceRule.WideInterval] },
        { 1.0, 1.2, 7.0, 6000, [ConfidenceRule.Disagreement] },
        { 1.0, 0.5, 10.2, 6000, [ConfidenceRule.OutOfDistribution] },
        { 1.0, 0.5, 3.8, 6000, [ConfidenceRule.OutOfDistribution] },                   // far below is as far as far above
        { 1.0, 0.5, 7.0, 40000, [ConfidenceRule.OutOfDistribution] },
        { 3.0, 2.0, 12.0, 6000, [ConfidenceRule.WideInterval, ConfidenceRule.Disagreement, ConfidenceRule.OutOfDistribution] },
        { 1.0, 0.5, double.NaN, double.NaN, [] },                                      // no reading of either input: nothing to judge
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_rule_marks_low_confidence_with_every_reason_that_applies(double widthRatio, double offset, double sleep, double steps, string[] reasons)
    {
        var result = new ConfidenceRule().Assess(widthRatio, Members(offset), HalfWidth, [Sleep, Steps], [sleep, steps]);
        Assert.Equal(reasons, result.Reasons);
        Assert.Equal(reasons.Length > 0, result.LowConfidence);
    }

    [Fact]
    public void Disagreement_is_the_mean_spread_over_the_first_week_in_half_width_units()
    {
        // Spread 0.5 on h1–7 (half-width 1); horizons 8–9 are not part of it.
        Assert.Equal(0.5, ConfidenceRule.SpreadOverFirstWeek(Members(0.5), HalfWidth), 12);
        Assert.Equal(0.0, ConfidenceRule.SpreadOverFirstWeek([Enumerable.Repeat(5.0, 9).ToArray()], HalfWidth));
        // The member that could not forecast a day (NaN) is left out of that day.
        IReadOnlyList<IReadOnlyList<double>> withGap = [new double[] { 4, 4 }, new double[] { 6, double.NaN }];
        Assert.Equal(1.0, ConfidenceRule.SpreadOverFirstWeek(withGap, [2, 2]), 12);
    }

    [Fact]
    public void The_largest_robust_z_names_its_input()
    {
        var result = new ConfidenceRule().Assess(1, Members(0), HalfWidth, [Sleep, Steps], [9.0, 15000]);
        Assert.Equal("steps_mean7", result.OutOfDistributionFeature); // (15000 − 6000) / 3121 = 2.88 > (9 − 7) / 0.78 = 2.56
        Assert.Equal(Steps.RobustZ(15000), result.OutOfDistributionScore, 12);
        Assert.False(result.LowConfidence);
    }

    [Fact]
    public void Thresholds_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfidenceRule(MaxOutOfDistributionZ: 0).Validated());
}
