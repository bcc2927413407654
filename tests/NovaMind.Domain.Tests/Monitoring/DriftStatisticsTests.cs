using MathNet.Numerics.Distributions;
using NovaMind.Domain.Monitoring;

namespace NovaMind.Domain.Tests.Monitoring;

public class DriftStatisticsTests
{
    private static readonly ReferenceDistribution Tens = ReferenceDistribution.FromQuantiles("x", [10, 20, 30, 40, 50, 60, 70, 80, 90], 1000);

    /// <summary>A window with the given count in each of <see cref="Tens"/>' bins (values in the middle of each bin).</summary>
    private static double[] Window(params int[] counts) => [.. counts.SelectMany((c, b) => Enumerable.Repeat(b * 10 + 5.0, c))];

    [Fact]
    public void Psi_and_the_chi_square_test_match_numpy_and_scipy_on_fixed_counts()
    {
        // numpy: sum((a-e)*log(a/e)) with a = counts/100, e = 0.1; scipy.stats.chisquare(counts) → statistic 2.8, p 0.971699157102865
        var result = new DriftRule().Evaluate(Tens, Window(12, 8, 10, 9, 11, 10, 10, 7, 13, 10));
        Assert.Equal(100, result.Count);
        Assert.Equal(0.028687185368971503, result.Psi, 12);
        Assert.Equal(2.8, result.ChiSquare, 12);
        Assert.Equal(0.971699157102865, result.ChiSquarePValue, 12);
        Assert.False(result.Drifted);

        // scipy.stats.chisquare([30,20,15,10,8,6,5,3,2,1], f_exp=[10]*10).pvalue = 8.357461862094615e-13
        var skewed = new DriftRule().Evaluate(Tens, Window(30, 20, 15, 10, 8, 6, 5, 3, 2, 1));
        Assert.Equal(8.357461862094615e-13, skewed.ChiSquarePValue, 1e-22);
        Assert.False(skewed.Drifted); // 100 values: below the rule's minimum of 200
    }

    [Fact]
    public void Counts_from_several_windows_add_up_to_the_verdict_on_their_union()
    {
        var a = Window(12, 8, 10, 9, 11, 10, 10, 7, 13, 10);
        var b = Window(30, 20, 15, 10, 8, 6, 5, 3, 2, 1);
        var ca = DriftRule.Counts(Tens, a);
        var cb = DriftRule.Counts(Tens, b);
        var merged = ca.Zip(cb, (x, y) => x + y).ToArray();
        Assert.Equal(new DriftRule().Evaluate(Tens, [.. a, .. b]), new DriftRule().Evaluate(Tens, merged));
        Assert.Throws<ArgumentException>(() => new DriftRule().Evaluate(Tens, new long[3]));
        Assert.Equal(0, new DriftRule().Evaluate(Tens, new long[10]).Count);
    }

    [Theory]
    // Deciles 10..90 of a uniform 0..100: median 50, (p90 − p10) / 2.5631 = 31.21 "sd".
    [InlineData(50, 0)]
    [InlineData(90, 1.2815515655446004)]
    [InlineData(10, -1.2815515655446004)]
    [InlineData(174.84866337158064, 4.0)] // 50 + 4 × 80 / 2.5631
    public void The_robust_z_measures_distance_from_the_median_in_decile_spread_units(double value, double z) =>
        Assert.Equal(z, Tens.RobustZ(value), 3);

    [Fact]
    public void The_robust_z_is_undefined_without_deciles_a_spread_or_a_value()
    {
        Assert.True(double.IsNaN(Tens.RobustZ(double.NaN)));
        Assert.True(double.IsNaN(ReferenceDistribution.FromQuantiles("q", [1, 2, 3], 100).RobustZ(2)));
        Assert.True(double.IsNaN(ReferenceDistribution.FromQuantiles("flat", [5, 5, 5, 5, 5, 5, 5, 5, 5], 100).RobustZ(7)));
    }

    [Fact]
    public void The_rule_states_its_own_thresholds()
    {
        Assert.Equal("drifted when PSI > 0.25 and the chi-square p-value < 0.001 with at least 200 values (decile bins of the training reference)",
            new DriftRule().Description);
        Assert.Contains("PSI > 0.1 and the chi-square p-value < 0.01 with at least 50 values", new DriftRule(0.1, 0.01, 50).Description);
    }

    [Fact]
    public void A_value_on_an_edge_belongs_to_the_bin_below_it()
    {
        Assert.Equal(0, Tens.BinOf(10));
        Assert.Equal(1, Tens.BinOf(10.000001));
        Assert.Equal(9, Tens.BinOf(1e9));
        Assert.Equal(0, Tens.BinOf(-1e9));
    }

    [Fact]
    public void A_stream_from_the_training_distribution_shows_no_drift_and_a_shifted_one_does()
    {
        // Sleep hours: reference N(7, 1.2²) from one seed; served windows from other seeds.
        var reference = ReferenceDistribution.From("sleep_hours", Normal.Samples(new Random(1), 7, 1.2).Take(5000));
        var rule = new DriftRule();
        var same = rule.Evaluate(reference, [.. Normal.Samples(new Random(2), 7, 1.2).Take(500)]);
        Assert.False(same.Drifted);
        Assert.InRange(same.Psi, 0, 0.1);
        Assert.True(same.ChiSquarePValue > 0.001);

        var shifted = rule.Evaluate(reference, [.. Normal.Samples(new Random(3), 9, 1.2).Take(500)]); // +2 h
        Assert.True(shifted.Drifted);
        Assert.True(shifted.Psi > 1, $"PSI {shifted.Psi}");
        Assert.True(shifted.ChiSquarePValue < 1e-12);

        // Half a standard deviation: PSI is noticeable but under the major-shift threshold: not flagged.
        var nudged = rule.Evaluate(reference, [.. Normal.Samples(new Random(4), 7.3, 1.2).Take(500)]);
        Assert.InRange(nudged.Psi, 0.02, 0.25);
        Assert.False(nudged.Drifted);
    }

    [Fact]
    public void Tied_reference_values_keep_the_shares_summing_to_one_and_the_same_stream_undrifted()
    {
        // Integer questionnaire scores: many deciles fall on the same value.
        var rng = new Random(5);
        double Score() => Math.Clamp(Math.Round(Normal.Sample(rng, 8, 3)), 0, 27);
        var reference = ReferenceDistribution.From("phq9", Enumerable.Range(0, 4000).Select(_ => Score()));
        Assert.Equal(1.0, reference.Shares.Sum(), 12);
        Assert.Contains(reference.Shares, x => Math.Abs(x - 0.1) > 0.02); // ties: the shares are not equal
        var same = new DriftRule().Evaluate(reference, [.. Enumerable.Range(0, 1000).Select(_ => Score())]);
        Assert.False(same.Drifted);
        Assert.True(same.ChiSquarePValue > 0.001, $"p {same.ChiSquarePValue}");
    }

    [Fact]
    public void Too_few_reference_values_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ReferenceDistribution.From("x", [1, 2, 3]));
    }
}
