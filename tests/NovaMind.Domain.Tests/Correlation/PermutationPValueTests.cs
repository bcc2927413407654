using NovaMind.Domain.Correlation;
using static NovaMind.Domain.Tests.Correlation.CorrelationStatisticsTests;

namespace NovaMind.Domain.Tests.Correlation;

/// <summary>
/// Spearman permutation p-values. Expected values come from /usr/bin/python3 with scipy 1.10.1 and numpy: counting, over
/// itertools.permutations(range(n)) (in chunks of 10⁶ for n ≥ 10), the pairings whose |Σ(2·rank_x − n − 1)(2·rank_y − n − 1)|
/// (an integer) is at least the observed one, with scipy.stats.rankdata 'average' ranks, so ties permute their average
/// ranks; for n ≤ 8 the same numbers also come from scipy.stats.permutation_test((x,), ρ(·, y),
/// permutation_type='pairings', n_resamples=np.inf, alternative='two-sided') (one sample permuted against a fixed y: n!
/// pairings, enumerated). ρ is scipy.stats.spearmanr(x, y).statistic.
/// </summary>
public class PermutationPValueTests
{
    public static TheoryData<double[], double[], double, double> Oracle => new()
    {
        // x, y, scipy ρ, exact p (count / n!)
        { [1.2, 3.4, 2.2, 5.0, 4.1, 6.3, 0.7], [2.0, 2.9, 3.5, 4.4, 3.1, 6.0, 1.5], 0.8928571428571429, 62.0 / 5040 },
        { [5.1, 3.3, 7.2, 1.0, 6.6, 2.4, 8.8, 4.0], [2.5, 4.1, 3.9, 1.2, 5.5, 0.3, 4.8, 2.2], 0.7380952380952381, 1848.0 / 40320 },
        { [1, 2, 2, 3, 4, 4, 4, 5], [3, 1, 2, 2, 5, 3, 4, 4], 0.6813032288940923, 3024.0 / 40320 }, // ties on both sides
        { [7, 7, 8, 9, 9, 10], [1, 2, 2, 2, 4, 3], 0.750366479376867, 96.0 / 720 },                  // ties on both sides
        // n = 10, enumerated in chunks with numpy (3 628 800 permutations):
        { [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 1, 4, 3, 7, 8, 6, 9, 10, 12], 0.9393939393939393, 746.0 / 3628800 },
        { [4, 4, 1, 7, 3, 3, 9, 2, 8, 5], [6.1, 5.0, 2.2, 6.1, 5.0, 3.3, 7.0, 1.0, 5.0, 2.2], 0.6988116846299138, 102216.0 / 3628800 },
        // n = 11 (39 916 800 permutations), ties on both sides:
        { [2.5, 3.1, 4.7, 1.2, 5.5, 3.1, 6.0, 7.7, 2.0, 4.4, 8.1], [3, 2, 5, 1, 4, 3, 6, 6, 2, 5, 4], 0.8157028486556083, 135328.0 / 39916800 },
        // n = 12, the exact limit (479 001 600 permutations, ~10 min in numpy), ties on both sides:
        { [1.5, 2.5, 2.5, 4.0, 5.1, 3.3, 6.2, 7.0, 8.4, 6.2, 9.9, 0.4], [2, 3, 1, 4, 4, 2, 5, 3, 6, 5, 4, 1], 0.7758449285301477, 2013600.0 / 479001600 },
    };

    [Theory]
    [MemberData(nameof(Oracle))]
    public void Exact_MatchesEnumerationOracle(double[] x, double[] y, double rho, double p)
    {
        AssertRelative(rho, CorrelationStatistics.Spearman(x, y));
        AssertRelative(p, CorrelationStatistics.SpearmanExactPValue(x, y));

        var viaDispatch = CorrelationStatistics.SpearmanPermutationPValue(x, y, out var method);
        Assert.Equal(PValueMethod.ExactPermutation, method);
        AssertRelative(p, viaDispatch);
    }

    [Fact]
    public void Exact_ReferenceData_IsMuchLargerThanTheTApproximation()
    {
        // For x = 1..10 and the issue's y, the t approximation (5.48e-05) understates p about fourfold: the reason the
        // engine uses the permutation p below n = 30.
        var exact = CorrelationStatistics.SpearmanExactPValue([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 1, 4, 3, 7, 8, 6, 9, 10, 12]);
        Assert.True(exact > 3.5 * 5.484052998513666e-05, exact.ToString("R"));
    }

    [Fact]
    public void Exact_AgreesWithBruteForceEnumeration_OnRandomTiedData()
    {
        // An independent check of the subset dynamic programme: plain enumeration of all n! permutations (Heap's
        // algorithm) on random small data with many ties.
        var rng = new Random(20261126);
        for (var trial = 0; trial < 40; trial++)
        {
            var n = 4 + trial % 5; // 4..8
            var x = Enumerable.Range(0, n).Select(_ => (double)rng.Next(0, 4)).ToArray();
            var y = x.Select(v => v + rng.Next(0, 3)).ToArray();
            if (x.Distinct().Count() < 2 || y.Distinct().Count() < 2) continue;

            var expected = BruteForce(x, y);
            Assert.Equal(expected, CorrelationStatistics.SpearmanExactPValue(x, y), 12);
        }
    }

    [Fact]
    public void Exact_PerfectRanking_GivesTwoOverNFactorial()
    {
        // Without ties |ρ| = 1 is reached by exactly two pairings: the identity and the reversal.
        AssertRelative(2.0 / 120, CorrelationStatistics.SpearmanExactPValue([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]));
        AssertRelative(2.0 / 479001600, CorrelationStatistics.SpearmanExactPValue(
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]));
    }

    [Fact]
    public void Exact_IsLimitedToSmallN_AndNaNForAConstantSide()
    {
        var big = Enumerable.Range(0, CorrelationStatistics.MaxExactPermutationN + 1).Select(i => (double)i).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => CorrelationStatistics.SpearmanExactPValue(big, big));
        Assert.True(double.IsNaN(CorrelationStatistics.SpearmanExactPValue([1, 2, 3, 4], [3, 3, 3, 3])));
        Assert.True(double.IsNaN(CorrelationStatistics.SpearmanMonteCarloPValue([1, 1, 1, 1], [1, 2, 3, 4])));
    }

    [Fact]
    public void MonteCarlo_IsDeterministic_AndCloseToExact()
    {
        double[] x = [4, 4, 1, 7, 3, 3, 9, 2, 8, 5];
        double[] y = [6.1, 5.0, 2.2, 6.1, 5.0, 3.3, 7.0, 1.0, 5.0, 2.2];
        const double exact = 102216.0 / 3628800; // 0.02817 (oracle above)

        var p1 = CorrelationStatistics.SpearmanMonteCarloPValue(x, y);
        var p2 = CorrelationStatistics.SpearmanMonteCarloPValue(x, y);
        Assert.Equal(p1, p2);
        // Standard error at 20 000 draws ≈ √(p(1−p)/20000) ≈ 0.0012; allow 4 of them.
        Assert.InRange(p1, exact - 0.005, exact + 0.005);

        // A different seed gives a (slightly) different estimate: the seed is really used.
        Assert.NotEqual(p1, CorrelationStatistics.SpearmanMonteCarloPValue(x, y, seed: 1));
    }

    [Fact]
    public void MonteCarlo_NeverReturnsZero()
    {
        var x = Enumerable.Range(0, 20).Select(i => (double)i).ToArray();
        var p = CorrelationStatistics.SpearmanMonteCarloPValue(x, x);
        Assert.Equal(1.0 / (CorrelationStatistics.MonteCarloPermutations + 1), p);
    }

    [Fact]
    public void Sequential_agrees_with_the_full_20000_draws_within_Monte_Carlo_error()
    {
        // The p-values served before sequential stopping (every pair drawn 20 000 times) are the reference: across
        // sizes, tie patterns and effect strengths the sequential p lies within 4 combined standard errors of them.
        var rng = new Random(20261201);
        var stoppedEarly = 0;
        for (var trial = 0; trial < 120; trial++)
        {
            var n = 13 + trial % 17; // 13..29, the Monte-Carlo range
            var ties = trial % 3 == 0;
            var effect = (trial % 5) * 0.15;
            var x = Enumerable.Range(0, n).Select(_ => ties ? rng.Next(0, 6) : rng.NextDouble()).ToArray();
            var y = x.Select(v => effect * v / (ties ? 5 : 1) + rng.NextDouble()).Select(v => ties ? Math.Round(v * 4) : v).ToArray();
            if (x.Distinct().Count() < 2 || y.Distinct().Count() < 2) continue;

            var full = CorrelationStatistics.SpearmanMonteCarlo(x, y, stopAfterExceedances: 0);
            var sequential = CorrelationStatistics.SpearmanMonteCarlo(x, y);
            Assert.Equal(CorrelationStatistics.MonteCarloPermutations, full.Draws);
            var p = full.P;
            var se = Math.Sqrt(p * (1 - p) / CorrelationStatistics.MonteCarloPermutations + p * p / CorrelationStatistics.SequentialStopExceedances);
            Assert.InRange(sequential.P, p - 4 * se, p + 4 * se);
            if (sequential.Draws < CorrelationStatistics.MonteCarloPermutations)
            {
                stoppedEarly++;
                Assert.Equal((double)CorrelationStatistics.SequentialStopExceedances / sequential.Draws, sequential.P, 12);
                Assert.True(p > 0.015, $"stopped early at p {p}"); // only pairs far from the 0.025 boundary stop early
            }
            else Assert.Equal(full.P, sequential.P); // a pair that ran every draw has exactly the p served before
        }
        Assert.True(stoppedEarly > 40, $"{stoppedEarly} of 120 stopped early");
    }

    [Fact]
    public void Sequential_p_values_are_valid_under_the_null()
    {
        // Independent x and y: P(p ≤ α) must not exceed α (Besag & Clifford's guarantee); 2 000 null pairs, n = 20.
        var rng = new Random(7);
        var ps = Enumerable.Range(0, 2000).Select(_ =>
        {
            var x = Enumerable.Range(0, 20).Select(_ => rng.NextDouble()).ToArray();
            var y = Enumerable.Range(0, 20).Select(_ => rng.NextDouble()).ToArray();
            return CorrelationStatistics.SpearmanMonteCarloPValue(x, y, seed: (ulong)rng.NextInt64());
        }).ToArray();
        foreach (var alpha in new[] { 0.01, 0.05, 0.2, 0.5 })
        {
            var share = ps.Count(p => p <= alpha) / 2000.0;
            var se = Math.Sqrt(alpha * (1 - alpha) / 2000);
            Assert.InRange(share, alpha - 4 * se, alpha + 4 * se);
        }
    }

    [Fact]
    public void Dispatch_IsExactUpToTheLimit_AndMonteCarloAbove()
    {
        var rng = new Random(3);
        var n = CorrelationStatistics.MaxExactPermutationN + 1;
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var y = x.Select(v => v + rng.NextDouble()).ToArray();

        var p = CorrelationStatistics.SpearmanPermutationPValue(x, y, out var method);
        Assert.Equal(PValueMethod.MonteCarloPermutation, method);
        Assert.Equal(CorrelationStatistics.SpearmanMonteCarloPValue(x, y), p);

        CorrelationStatistics.SpearmanPermutationPValue(x.AsSpan(0, n - 1), y.AsSpan(0, n - 1), out method);
        Assert.Equal(PValueMethod.ExactPermutation, method);
    }

    /// <summary>Two-sided exact p by visiting all n! permutations of y's average ranks.</summary>
    private static double BruteForce(double[] x, double[] y)
    {
        var n = x.Length;
        var rx = CorrelationStatistics.Ranks(x);
        var ry = CorrelationStatistics.Ranks(y);
        var mean = (n + 1) / 2.0;
        double Stat(double[] perm)
        {
            double s = 0;
            for (var i = 0; i < n; i++) s += (rx[i] - mean) * (perm[i] - mean);
            return Math.Abs(s);
        }
        var observed = Stat(ry);
        var current = (double[])ry.Clone();
        var c = new int[n];
        long extreme = 0, total = 0;
        void Visit()
        {
            total++;
            if (Stat(current) >= observed - 1e-9) extreme++;
        }
        Visit();
        for (var i = 0; i < n;)
        {
            if (c[i] < i)
            {
                var j = i % 2 == 0 ? 0 : c[i];
                (current[j], current[i]) = (current[i], current[j]);
                Visit();
                c[i]++;
                i = 0;
            }
            else
            {
                c[i] = 0;
                i++;
            }
        }
        return (double)extreme / total;
    }
}
