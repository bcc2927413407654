using NovaMind.Domain.Correlation;

namespace NovaMind.Domain.Tests.Correlation;

public class CorrelationStatisticsTests
{
    private static readonly double[] X10 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    private static readonly double[] Y10 = [2, 1, 4, 3, 7, 8, 6, 9, 10, 12];

    internal static void AssertRelative(double expected, double actual, double tolerance = 1e-9)
    {
        var error = expected == 0 ? Math.Abs(actual) : Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(error <= tolerance, $"expected {expected:R}, got {actual:R} (relative error {error:E2})");
    }

    [Fact]
    public void Pearson_ReferenceValues()
    {
        // From the issue; scipy.stats.pearsonr(x, y) gives the same: (0.9463140529521024, 3.405362285476733e-05).
        var r = CorrelationStatistics.Pearson(X10, Y10);
        AssertRelative(0.9463140529521024, r);
        AssertRelative(3.405362285476733e-05, CorrelationStatistics.PearsonPValue(r, 10));
    }

    [Fact]
    public void Spearman_ReferenceValues_TApproximation()
    {
        // From the issue; scipy.stats.spearmanr(x, y) (t approximation, its default) gives the same.
        var rho = CorrelationStatistics.Spearman(X10, Y10);
        AssertRelative(0.9393939393939393, rho);
        AssertRelative(5.484052998513666e-05, CorrelationStatistics.SpearmanPValue(rho, 10));
    }

    [Fact]
    public void Spearman_WithTies_MatchesScipy()
    {
        // scipy 1.10.1: spearmanr(x, y) -> statistic=0.1415796863640157, pvalue=0.6607268292868229
        double[] x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
        double[] y = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5];
        var rho = CorrelationStatistics.Spearman(x, y);
        AssertRelative(0.1415796863640157, rho);
        AssertRelative(0.6607268292868229, CorrelationStatistics.SpearmanPValue(rho, x.Length));
    }

    [Fact]
    public void Ranks_AverageTies_LikeScipyRankdata()
    {
        // scipy.stats.rankdata([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]) (method='average')
        Assert.Equal(new[] { 4.5, 1.5, 6, 1.5, 8, 12, 3, 10, 8, 4.5, 8, 11 },
            CorrelationStatistics.Ranks([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]));
        Assert.Equal(new[] { 2.0, 2, 2 }, CorrelationStatistics.Ranks([7, 7, 7]));
        Assert.Empty(CorrelationStatistics.Ranks([]));
    }

    [Fact]
    public void Coefficients_AreNaN_WhenUndefined()
    {
        Assert.True(double.IsNaN(CorrelationStatistics.Pearson([1, 1, 1, 1], [1, 2, 3, 4])));
        Assert.True(double.IsNaN(CorrelationStatistics.Spearman([1, 2, 3, 4], [5, 5, 5, 5])));
        Assert.True(double.IsNaN(CorrelationStatistics.Pearson([1], [2])));
        Assert.Throws<ArgumentException>(() => CorrelationStatistics.Pearson([1, 2], [1, 2, 3]));
    }

    [Fact]
    public void Pearson_IsExactlyOneOrMinusOne_ForLinearData_AndThePValueIsZeroNotNaN()
    {
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        var up = x.Select(v => 0.1 * v + 3).ToArray();
        var down = x.Select(v => -7 * v).ToArray();

        Assert.Equal(1.0, CorrelationStatistics.Pearson(x, up), 12);
        Assert.Equal(-1.0, CorrelationStatistics.Pearson(x, down), 12);
        Assert.Equal(0.0, CorrelationStatistics.PearsonPValue(1.0, 10));
        Assert.Equal(0.0, CorrelationStatistics.PearsonPValue(-1.0, 10));
        Assert.Equal(0.0, CorrelationStatistics.SpearmanPValue(1.0, 4));
        Assert.Equal((1.0, 1.0), CorrelationStatistics.FisherInterval(1.0, 10));
        Assert.Equal((-1.0, -1.0), CorrelationStatistics.FisherInterval(-1.0, 10, CorrelationStatistics.SpearmanFisherVarianceFactor));
    }

    [Fact]
    public void PValue_OfZeroCorrelation_IsOne_AndIsSymmetricInSign()
    {
        Assert.Equal(1.0, CorrelationStatistics.PearsonPValue(0, 20), 12);
        Assert.Equal(CorrelationStatistics.PearsonPValue(0.37, 25), CorrelationStatistics.PearsonPValue(-0.37, 25));
    }

    [Fact]
    public void PValue_RejectsTooFewPairs_AndImpossibleCoefficients()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CorrelationStatistics.PearsonPValue(0.5, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => CorrelationStatistics.PearsonPValue(double.NaN, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => CorrelationStatistics.PearsonPValue(1.5, 10));
    }

    [Fact]
    public void FisherInterval_MatchesHandComputation()
    {
        // By hand (python math): z = atanh(0.5), half = 1.959963984540054 / √(28 − 3),
        // tanh(z − half) = 0.15602836252908595, tanh(z + half) = 0.7358184794439376.
        var (low, high) = CorrelationStatistics.FisherInterval(0.5, 28);
        AssertRelative(0.15602836252908595, low);
        AssertRelative(0.7358184794439376, high);

        // Spearman variance 1.06/(n − 3): half = 1.959963984540054·√(1.06/25) -> 0.14470202144464853 .. 0.7410874615592804.
        var (sLow, sHigh) = CorrelationStatistics.FisherInterval(0.5, 28, CorrelationStatistics.SpearmanFisherVarianceFactor);
        AssertRelative(0.14470202144464853, sLow);
        AssertRelative(0.7410874615592804, sHigh);

        // r = −0.3, n = 50 -> −0.5337751868855203 .. −0.02362507738883365.
        var (nLow, nHigh) = CorrelationStatistics.FisherInterval(-0.3, 50);
        AssertRelative(-0.5337751868855203, nLow);
        AssertRelative(-0.02362507738883365, nHigh);

        Assert.Throws<ArgumentOutOfRangeException>(() => CorrelationStatistics.FisherInterval(0.5, 3));
    }

    [Fact]
    public void BenjaminiHochberg_ReferenceValues()
    {
        // From the issue (statsmodels multipletests(method='fdr_bh') agrees).
        var q = CorrelationStatistics.BenjaminiHochberg([0.01, 0.04, 0.03, 0.005]);
        double[] expected = [0.02, 0.04, 0.04, 0.02];
        for (var i = 0; i < q.Length; i++) AssertRelative(expected[i], q[i]);
    }

    [Fact]
    public void BenjaminiHochberg_MatchesStatsmodels_TenValues()
    {
        // statsmodels 0.13.5: multipletests([0.21, 0.0012, 0.047, 0.031, 0.9, 0.0049, 0.047, 0.52, 0.012, 0.3],
        //                                   method='fdr_bh')[1]
        double[] p = [0.21, 0.0012, 0.047, 0.031, 0.9, 0.0049, 0.047, 0.52, 0.012, 0.3];
        double[] expected =
        [
            0.3, 0.011999999999999999, 0.07833333333333334, 0.0775, 0.9,
            0.024499999999999997, 0.07833333333333334, 0.5777777777777778, 0.04, 0.37499999999999994,
        ];
        var q = CorrelationStatistics.BenjaminiHochberg(p);
        Assert.Equal(expected.Length, q.Length);
        for (var i = 0; i < q.Length; i++) AssertRelative(expected[i], q[i]);
    }

    [Fact]
    public void BenjaminiHochberg_IsCappedAtOne_HandlesEmpty_AndRejectsNonProbabilities()
    {
        Assert.Empty(CorrelationStatistics.BenjaminiHochberg([]));
        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, CorrelationStatistics.BenjaminiHochberg([0.9, 1.0, 0.95]));
        Assert.Equal(new[] { 0.0, 0.0 }, CorrelationStatistics.BenjaminiHochberg([0.0, 0.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CorrelationStatistics.BenjaminiHochberg([0.1, double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CorrelationStatistics.BenjaminiHochberg([1.2]));
    }

    [Fact]
    public void BenjaminiHochberg_IsMonotoneInP_AndNeverBelowP()
    {
        var rng = new Random(7);
        var p = Enumerable.Range(0, 200).Select(_ => Math.Pow(rng.NextDouble(), 3)).ToArray();
        var q = CorrelationStatistics.BenjaminiHochberg(p);
        var order = Enumerable.Range(0, p.Length).OrderBy(i => p[i]).ToArray();
        for (var i = 1; i < order.Length; i++) Assert.True(q[order[i]] >= q[order[i - 1]]);
        for (var i = 0; i < p.Length; i++) Assert.InRange(q[i], p[i], 1.0);
    }
}
