using MathNet.Numerics.Distributions;
using NovaMind.Domain.Forecasting;

namespace NovaMind.Domain.Tests.Forecasting;

public class SplitConformalTests
{
    // Standard normal quantiles Φ⁻¹(0.90) and Φ⁻¹(0.975): half-widths of the 80 % and 95 % central intervals.
    private const double Z80 = 1.2815515655446004;
    private const double Z95 = 1.959963984540054;

    [Theory]
    [InlineData(9, 0.2, 8)]     // ⌈10 · 0.8⌉ = 8
    [InlineData(9, 0.05, 10)]   // ⌈10 · 0.95⌉ = ⌈9.5⌉ = 10 > n: interval must be infinite
    [InlineData(19, 0.05, 19)]  // ⌈20 · 0.95⌉ = 19: the largest score
    [InlineData(100, 0.2, 81)]  // ⌈101 · 0.8⌉ = ⌈80.8⌉ = 81
    [InlineData(99, 0.2, 80)]   // ⌈100 · 0.8⌉ = 80 exactly (floating point gives 80.000000000000014)
    [InlineData(1000, 0.05, 951)] // ⌈1001 · 0.95⌉ = ⌈950.95⌉ = 951
    public void QuantileRank_IsTheFiniteSampleCorrectedIndex(int n, double alpha, int expected)
        => Assert.Equal(expected, SplitConformal.QuantileRank(n, alpha));

    [Fact]
    public void ConformalQuantile_HandComputedExample()
    {
        // Scores 1..9 in any order: 80 % takes the 8th smallest; 95 % needs the 10th of 9, so no finite interval.
        double[] scores = [5, 3, 9, 1, 7, 2, 8, 4, 6];
        Assert.Equal(8, SplitConformal.ConformalQuantile(scores, 0.2));
        Assert.Equal(double.PositiveInfinity, SplitConformal.ConformalQuantile(scores, 0.05));
        // The naive empirical 80 % quantile (rank ⌈0.8·9⌉ = 8 here too) differs for n = 10: conformal takes rank ⌈8.8⌉ = 9.
        Assert.Equal(9, SplitConformal.ConformalQuantile([.. scores, 10], 0.2));
    }

    [Fact]
    public void Calibrate_PerHorizon_HandComputed()
    {
        // Two horizons, nine calibration rows; residuals at h0 are 1..9, at h1 they are 10..90; one h1 value missing (NaN).
        var actual = new List<IReadOnlyList<double>>();
        var predicted = new List<IReadOnlyList<double>>();
        for (var i = 1; i <= 9; i++)
        {
            actual.Add([i % 2 == 0 ? i : -i, i == 5 ? double.NaN : 10 * i]);
            predicted.Add([0, 0]);
        }
        var conformal = SplitConformal.Calibrate(actual, predicted);
        Assert.Equal(9, conformal.CalibrationSize(0));
        Assert.Equal(8, conformal.CalibrationSize(1));
        Assert.Equal(8, conformal.Quantile(0, SplitConformal.Level80));
        Assert.Equal(90, conformal.Quantile(1, SplitConformal.Level80)); // n = 8: rank ⌈9 · 0.8⌉ = ⌈7.2⌉ = 8 of {10,20,30,40,60,70,80,90}
        Assert.Equal(double.PositiveInfinity, conformal.Quantile(0, SplitConformal.Level95));
        Assert.Equal((2.0, 18.0), conformal.Interval(0, 10, SplitConformal.Level80));
    }

    [Fact]
    public void AbsoluteScores_ReachNominalCoverageOnFreshData_PerHorizon()
    {
        // y_h = x + N(0, (h+1)²), point predictor ŷ = x; calibrate on 5000 rows, check on 10 000 fresh rows.
        var random = new Random(20240611);
        const int horizons = 3;
        var (calActual, calPredicted, _) = Sample(random, 5000, horizons, heteroscedastic: false);
        var (testActual, testPredicted, _) = Sample(random, 10000, horizons, heteroscedastic: false);
        var conformal = SplitConformal.Calibrate(calActual, calPredicted);

        for (var h = 0; h < horizons; h++)
        {
            // The half-widths track the true noise quantiles z·σ_h.
            Assert.Equal(Z80 * (h + 1), conformal.Quantile(h, 0.80), 0.1 * (h + 1));
            Assert.Equal(Z95 * (h + 1), conformal.Quantile(h, 0.95), 0.15 * (h + 1));
            foreach (var level in new[] { 0.80, 0.95 })
            {
                var actual = testActual.Select(r => r[h]).ToArray();
                var intervals = testPredicted.Select(r => conformal.Interval(h, r[h], level)).ToArray();
                var coverage = SplitConformal.Coverage(actual, intervals);
                Assert.InRange(coverage, level - 0.02, level + 0.02);
            }
        }
    }

    [Fact]
    public void NormalisedScores_ReachCoverage_AndAdaptWidthToTheScale()
    {
        // Noise sd σ(x) = 0.5 + |x| is known to the model: normalised scores give ≈ nominal coverage in both the
        // low-noise and the high-noise half, where absolute scores over-cover one and under-cover the other.
        var random = new Random(7);
        var (calActual, calPredicted, calScale) = Sample(random, 5000, 1, heteroscedastic: true);
        var (testActual, testPredicted, testScale) = Sample(random, 10000, 1, heteroscedastic: true);
        var normalised = SplitConformal.Calibrate(calActual, calPredicted, calScale);
        var absolute = SplitConformal.Calibrate(calActual, calPredicted);
        Assert.True(normalised.Normalized);
        Assert.Equal(Z80, normalised.Quantile(0, 0.80), 0.1);
        Assert.Throws<ArgumentException>(() => normalised.Interval(0, 0, 0.80));

        var median = testScale.Select(s => s[0]).Order().ElementAt(testScale.Count / 2);
        foreach (var high in new[] { false, true })
        {
            var rows = Enumerable.Range(0, testActual.Count).Where(i => testScale[i][0] > median == high).ToArray();
            var actual = rows.Select(i => testActual[i][0]).ToArray();
            var normalisedCoverage = SplitConformal.Coverage(actual, rows.Select(i => normalised.Interval(0, testPredicted[i][0], 0.80, testScale[i][0])).ToArray());
            var absoluteCoverage = SplitConformal.Coverage(actual, rows.Select(i => absolute.Interval(0, testPredicted[i][0], 0.80)).ToArray());
            Assert.InRange(normalisedCoverage, 0.78, 0.82);
            if (high) Assert.True(absoluteCoverage < 0.75, $"absolute coverage in the noisy half {absoluteCoverage}");
            else Assert.True(absoluteCoverage > 0.85, $"absolute coverage in the quiet half {absoluteCoverage}");
        }
    }

    [Fact]
    public void Coverage_CountsEndsAsInside_AndSkipsMissing()
    {
        double[] actual = [1, 2, double.NaN, 5];
        (double, double)[] intervals = [(1, 2), (0, 1), (0, 0), (4, 6)];
        Assert.Equal(2.0 / 3.0, SplitConformal.Coverage(actual, intervals), 1e-15);
    }

    [Fact]
    public void Calibrate_RejectsUncalibratedLevelAndBadScale()
    {
        var conformal = SplitConformal.Calibrate([[1.0]], [[0.0]], levels: [0.5]);
        Assert.Equal(1, conformal.Quantile(0, 0.5)); // n = 1: rank ⌈2 · 0.5⌉ = 1
        Assert.Throws<ArgumentException>(() => conformal.Quantile(0, 0.8));
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitConformal.Calibrate([[1.0]], [[0.0]], [[0.0]]));
    }

    private static (List<IReadOnlyList<double>> Actual, List<IReadOnlyList<double>> Predicted, List<IReadOnlyList<double>> Scale)
        Sample(Random random, int n, int horizons, bool heteroscedastic)
    {
        var actual = new List<IReadOnlyList<double>>(n);
        var predicted = new List<IReadOnlyList<double>>(n);
        var scale = new List<IReadOnlyList<double>>(n);
        for (var i = 0; i < n; i++)
        {
            var x = Normal.Sample(random, 0, 2);
            var y = new double[horizons];
            var p = new double[horizons];
            var s = new double[horizons];
            for (var h = 0; h < horizons; h++)
            {
                s[h] = heteroscedastic ? 0.5 + Math.Abs(x) : h + 1;
                y[h] = x + Normal.Sample(random, 0, s[h]);
                p[h] = x;
            }
            actual.Add(y);
            predicted.Add(p);
            scale.Add(s);
        }
        return (actual, predicted, scale);
    }
}
