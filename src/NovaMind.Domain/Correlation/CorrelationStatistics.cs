using System.Buffers;
using MathNet.Numerics.Distributions;

namespace NovaMind.Domain.Correlation;

/// <summary>How a p-value was obtained.</summary>
public enum PValueMethod
{
    /// <summary>Two-sided Student t with n − 2 degrees of freedom on t = r·√((n−2)/(1−r²)).</summary>
    StudentT,
    /// <summary>Every one of the n! pairings counted (Spearman, small n).</summary>
    ExactPermutation,
    /// <summary>A fixed number of random pairings drawn with a fixed seed (Spearman, n too large to count exactly).</summary>
    MonteCarloPermutation,
}

public static class PValueMethods
{
    /// <summary>The API name: exact only where every pairing was counted.</summary>
    public static string ToName(this PValueMethod method) => method switch
    {
        PValueMethod.ExactPermutation => "exact_permutation",
        PValueMethod.MonteCarloPermutation => "monte_carlo_permutation",
        _ => "t_distribution",
    };
}

/// <summary>
/// Correlation coefficients, their p-values and intervals, and the Benjamini–Hochberg step-up.
/// Inputs are finite numbers (observations are validated before they get here). Where a quantity is undefined
/// (fewer than two points, a constant series) the coefficient functions return NaN; callers that report to people
/// exclude such pairs before they get this far.
/// </summary>
public static class CorrelationStatistics
{
    /// <summary>z(0.975), for 95 % intervals.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// Variance factor of atanh(ρ) for Spearman's ρ (Fieller, Hartley &amp; Pearson 1957): Var ≈ 1.06/(n−3) instead of
    /// Pearson's 1/(n−3): the usual correction, which widens Spearman intervals by √1.06 ≈ 3 % (ρ of ranks is a little
    /// more variable than r of bivariate normal data).
    /// </summary>
    public const double SpearmanFisherVarianceFactor = 1.06;

    /// <summary>Spearman gets a permutation p-value below this many pairs (the t approximation is poor for small n).</summary>
    public const int PermutationBelowN = 30;

    /// <summary>
    /// Up to this n the permutation null distribution is counted exactly (see <see cref="SpearmanExactPValue"/>);
    /// above it (n = 13..29) a Monte-Carlo with <see cref="MonteCarloPermutations"/> draws is used. 12 is where the exact
    /// count (n·2ⁿ⁻¹ partial-sum distributions) still costs no more than the Monte-Carlo does.
    /// </summary>
    public const int MaxExactPermutationN = 12;

    /// <summary>Monte-Carlo draws at most: standard error of p ≤ 0.0016 at p = 0.05 and ≤ 0.0007 at p = 0.01.</summary>
    public const int MonteCarloPermutations = 20_000;

    /// <summary>
    /// Sequential stopping (Besag &amp; Clifford 1991, Biometrika 78:301–304): the draws stop once this many were at least
    /// as extreme as the observed pairing, and p = h / draws. A pair far from significance then costs ~h / p draws instead
    /// of <see cref="MonteCarloPermutations"/> (about 1 000 at p = 0.5), while p stays valid (P(p ≤ α) ≤ α) and its
    /// relative standard error is ≈ 1/√h ≈ 4.5 %; pairs with p below h / <see cref="MonteCarloPermutations"/> = 0.025 run
    /// every draw, exactly as before.
    /// </summary>
    public const int SequentialStopExceedances = 500;

    /// <summary>Fixed seed: a pair's p-value is a pure function of its data (same answer on every silo, every run).</summary>
    public const ulong MonteCarloSeed = 0x4E6F_7661_4D69_6E64; // "NovaMind"

    // ---------------------------------------------------------------- coefficients

    /// <summary>Pearson's r (two-pass, centred sums); NaN when n &lt; 2 or either series is constant.</summary>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y must have the same length", nameof(y));
        var n = x.Length;
        if (n < 2) return double.NaN;
        double sx = 0, sy = 0;
        for (var i = 0; i < n; i++) { sx += x[i]; sy += y[i]; }
        double mx = sx / n, my = sy / n, sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx <= 0 || syy <= 0) return double.NaN;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1.0, 1.0);
    }

    /// <summary>Spearman's ρ: Pearson's r of the average ranks (the definition that stays right with ties).</summary>
    public static double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y must have the same length", nameof(y));
        var rx = ArrayPool<double>.Shared.Rent(x.Length);
        var ry = ArrayPool<double>.Shared.Rent(y.Length);
        try
        {
            Ranks(x, rx.AsSpan(0, x.Length));
            Ranks(y, ry.AsSpan(0, y.Length));
            return Pearson(rx.AsSpan(0, x.Length), ry.AsSpan(0, y.Length));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rx);
            ArrayPool<double>.Shared.Return(ry);
        }
    }

    /// <summary>1-based ranks; tied values share the average of the ranks they span (scipy's rankdata 'average').</summary>
    public static double[] Ranks(ReadOnlySpan<double> values)
    {
        var ranks = new double[values.Length];
        Ranks(values, ranks);
        return ranks;
    }

    /// <inheritdoc cref="Ranks(ReadOnlySpan{double})"/>
    public static void Ranks(ReadOnlySpan<double> values, Span<double> ranks)
    {
        var n = values.Length;
        if (ranks.Length < n) throw new ArgumentException("ranks must be at least as long as values", nameof(ranks));
        var keys = ArrayPool<double>.Shared.Rent(n);
        var order = ArrayPool<int>.Shared.Rent(n);
        try
        {
            values.CopyTo(keys);
            for (var i = 0; i < n; i++) order[i] = i;
            Array.Sort(keys, order, 0, n);
            for (var i = 0; i < n;)
            {
                var j = i;
                while (j + 1 < n && keys[j + 1] == keys[i]) j++;
                var average = (i + j) / 2.0 + 1.0; // ranks i+1 .. j+1
                for (var k = i; k <= j; k++) ranks[order[k]] = average;
                i = j + 1;
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    // ---------------------------------------------------------------- p-values

    /// <summary>
    /// Two-sided p of r under H0: ρ = 0 from t = r·√((n−2)/(1−r²)) with n − 2 degrees of freedom
    /// (scipy.stats.pearsonr). |r| = 1 gives t = ±∞ and p = 0.
    /// </summary>
    public static double PearsonPValue(double r, int n)
    {
        if (n < 3) throw new ArgumentOutOfRangeException(nameof(n), n, "a correlation p-value needs at least 3 pairs");
        if (double.IsNaN(r) || r < -1 || r > 1) throw new ArgumentOutOfRangeException(nameof(r), r, "r must be in -1..1");
        var abs = Math.Abs(r);
        if (abs >= 1) return 0;
        double df = n - 2;
        var t = abs * Math.Sqrt(df / ((1 - abs) * (1 + abs)));
        return Math.Min(1.0, 2 * StudentT.CDF(0, 1, df, -t));
    }

    /// <summary>The t approximation for Spearman's ρ (scipy.stats.spearmanr's default): the same formula as for r.</summary>
    public static double SpearmanPValue(double rho, int n) => PearsonPValue(rho, n);

    /// <summary>
    /// Two-sided permutation p-value of Spearman's ρ: the share of pairings of the y ranks with the x ranks whose |ρ|
    /// is at least the observed |ρ| (ties: the average ranks are what is permuted). Exact for n ≤
    /// <see cref="MaxExactPermutationN"/>, Monte-Carlo above; <paramref name="method"/> says which. NaN if either side is constant.
    /// </summary>
    public static double SpearmanPermutationPValue(ReadOnlySpan<double> x, ReadOnlySpan<double> y, out PValueMethod method)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y must have the same length", nameof(y));
        var n = x.Length;
        var rx = ArrayPool<double>.Shared.Rent(n);
        var ry = ArrayPool<double>.Shared.Rent(n);
        try
        {
            Ranks(x, rx.AsSpan(0, n));
            Ranks(y, ry.AsSpan(0, n));
            return PermutationPValueOfRanks(rx.AsSpan(0, n), ry.AsSpan(0, n), out method);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rx);
            ArrayPool<double>.Shared.Return(ry);
        }
    }

    /// <summary>
    /// Exact two-sided permutation p-value of Spearman's ρ: the share of all n! pairings π of the y ranks with the x ranks
    /// whose |ρ(π)| is at least the observed |ρ| (n ≤ <see cref="MaxExactPermutationN"/>).
    /// <para>
    /// How. Average ranks are multiples of ½, so a_i = 2·rank(x_i) and b_j = 2·rank(y_j) (divided by their common divisor)
    /// are small integers, and for every pairing ρ(π) = (n·S(π) − Σa·Σb) / √(…) with S(π) = Σ a_i·b_π(i) and a
    /// denominator that no pairing changes. So "at least as extreme" is the integer test |n·S(π) − Σa·Σb| ≥
    /// |n·S_obs − Σa·Σb|: no floating-point tolerance is involved. The distribution of S over all n! pairings is counted
    /// exactly by dynamic programming over subsets (the permanent of the generating-function matrix [x^(a_i·b_j)], as in
    /// van de Wiel &amp; Di Bucchianico 2001): x positions are filled in a fixed order, a state is the set of y items used so
    /// far, and it holds the number of partial pairings per partial sum. Every one of the n! permutations is counted once
    /// (tied ranks included, each with its multiplicity — exactly what enumerating all n! permutations of the average
    /// ranks gives), in O(n·2ⁿ⁻¹·range) additions instead of n! steps: at n = 12 about as long as the Monte-Carlo takes
    /// (a few ms); from n = 13 the state table grows past 10 MB and several times the Monte-Carlo's cost, which is why
    /// <see cref="MaxExactPermutationN"/> is 12.
    /// </para>
    /// </summary>
    public static double SpearmanExactPValue(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y must have the same length", nameof(y));
        if (x.Length > MaxExactPermutationN)
            throw new ArgumentOutOfRangeException(nameof(x), x.Length, $"exact counting is limited to n ≤ {MaxExactPermutationN}");
        var n = x.Length;
        var a = new int[n];
        var b = new int[n];
        if (!IntegerRankScores(x, a) | !IntegerRankScores(y, b)) return double.NaN;
        return ExactPValue(a, b);
    }

    /// <summary>
    /// Monte-Carlo two-sided permutation p-value of Spearman's ρ, decided by the same integer test as
    /// <see cref="SpearmanExactPValue"/>, with pairings drawn by Fisher–Yates from a SplitMix64 stream seeded with
    /// <paramref name="seed"/> (deterministic). Sequential (<paramref name="stopAfterExceedances"/> h &gt; 0): the draws stop
    /// at the h-th pairing at least as extreme as the observed one and p = h / draws (Besag &amp; Clifford 1991); if fewer
    /// than h are met in <paramref name="permutations"/> draws, or h = 0, p = (1 + #extreme) / (1 + permutations) (the +1s
    /// count the observed pairing and keep p above zero, Phipson &amp; Smyth 2010).
    /// </summary>
    public static double SpearmanMonteCarloPValue(ReadOnlySpan<double> x, ReadOnlySpan<double> y,
        int permutations = MonteCarloPermutations, ulong seed = MonteCarloSeed, int stopAfterExceedances = SequentialStopExceedances) =>
        SpearmanMonteCarlo(x, y, permutations, seed, stopAfterExceedances).P;

    /// <summary><see cref="SpearmanMonteCarloPValue"/> with the number of draws it took (NaN p for a constant side).</summary>
    public static MonteCarloResult SpearmanMonteCarlo(ReadOnlySpan<double> x, ReadOnlySpan<double> y,
        int permutations = MonteCarloPermutations, ulong seed = MonteCarloSeed, int stopAfterExceedances = SequentialStopExceedances)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y must have the same length", nameof(y));
        ArgumentOutOfRangeException.ThrowIfLessThan(permutations, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(stopAfterExceedances);
        var n = x.Length;
        var a = new int[n];
        var b = new int[n];
        if (!IntegerRankScores(x, a) | !IntegerRankScores(y, b)) return new(double.NaN, 0);
        return MonteCarloPValue(a, b, permutations, seed, stopAfterExceedances);
    }

    /// <summary>The permutation p-value from ranks already computed (1-based average ranks of both sides).</summary>
    internal static double PermutationPValueOfRanks(ReadOnlySpan<double> rx, ReadOnlySpan<double> ry, out PValueMethod method,
        int stopAfterExceedances = SequentialStopExceedances)
    {
        var n = rx.Length;
        Span<int> a = n <= 256 ? stackalloc int[n] : new int[n];
        Span<int> b = n <= 256 ? stackalloc int[n] : new int[n];
        method = n <= MaxExactPermutationN ? PValueMethod.ExactPermutation : PValueMethod.MonteCarloPermutation;
        if (!RankScores(rx, a) | !RankScores(ry, b)) return double.NaN;
        return n <= MaxExactPermutationN ? ExactPValue(a, b) : MonteCarloPValue(a, b, MonteCarloPermutations, MonteCarloSeed, stopAfterExceedances).P;
    }

    private static bool IntegerRankScores(ReadOnlySpan<double> values, Span<int> scores)
    {
        var ranks = ArrayPool<double>.Shared.Rent(values.Length);
        try
        {
            Ranks(values, ranks.AsSpan(0, values.Length));
            return RankScores(ranks.AsSpan(0, values.Length), scores);
        }
        finally { ArrayPool<double>.Shared.Return(ranks); }
    }

    /// <summary>
    /// Integer scores a_i = 2·rank_i / g (average ranks are multiples of ½; g is the common divisor, 2 without ties, so
    /// untied data are scored by their plain ranks and the sums stay small). False for a constant series.
    /// </summary>
    private static bool RankScores(ReadOnlySpan<double> ranks, Span<int> scores)
    {
        var n = ranks.Length;
        var divisor = 0;
        var constant = true;
        for (var i = 0; i < n; i++)
        {
            scores[i] = (int)Math.Round(2 * ranks[i]);
            divisor = Gcd(divisor, scores[i]);
            constant &= scores[i] == scores[0];
        }
        if (constant) return false;
        for (var i = 0; i < n; i++) scores[i] /= divisor;
        return true;
    }

    private static int Gcd(int p, int q)
    {
        while (q != 0) (p, q) = (q, p % q);
        return p;
    }

    /// <summary>
    /// |n·Σa_i·b_π(i) − Σa·Σb|: n·Cov of the paired scores, so for fixed scores it orders pairings exactly as |ρ| does —
    /// in integers, so "at least as extreme" needs no floating-point tolerance.
    /// </summary>
    private static long ScaledAbsCovariance(long dot, int n, long sumA, long sumB) => Math.Abs(n * dot - sumA * sumB);

    private static double ExactPValue(ReadOnlySpan<int> aIn, ReadOnlySpan<int> bIn)
    {
        var n = aIn.Length;
        if (n <= 1) return 1;
        long sumA = 0, sumB = 0, dot = 0;
        for (var i = 0; i < n; i++) { sumA += aIn[i]; sumB += bIn[i]; dot += (long)aIn[i] * bIn[i]; }
        var observed = ScaledAbsCovariance(dot, n, sumA, sumB);
        // Sorted copies: the distribution over all pairings does not depend on either side's order, and sorted sides
        // let the rearrangement inequality bound each state's partial sums cheaply.
        Span<int> a = stackalloc int[n];
        Span<int> b = stackalloc int[n];
        aIn.CopyTo(a);
        bIn.CopyTo(b);
        a.Sort();
        b.Sort();

        var states = 1 << n;
        var low = ArrayPool<long>.Shared.Rent(states);
        var offset = ArrayPool<int>.Shared.Rent(states + 1);
        try
        {
            var size = PartialSumBounds(a, b, low, offset);
            var counts = ArrayPool<long>.Shared.Rent(size);
            try
            {
                Array.Clear(counts, 0, size);
                CountPairings(a, b, low, offset, counts);
                var full = states - 1;
                long extreme = 0, total = 0;
                for (var idx = offset[full]; idx < offset[full + 1]; idx++)
                {
                    var c = counts[idx];
                    if (c == 0) continue;
                    total += c;
                    if (ScaledAbsCovariance(low[full] + (idx - offset[full]), n, sumA, sumB) >= observed) extreme += c;
                }
                return Math.Min(1.0, (double)extreme / total);
            }
            finally { ArrayPool<long>.Shared.Return(counts); }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(low);
            ArrayPool<int>.Shared.Return(offset);
        }
    }

    /// <summary>
    /// For each state (set of y items given to the first k x positions, both sides ascending): the smallest reachable
    /// partial sum (opposite orders, by the rearrangement inequality) and where its slot range starts in the count table
    /// (its width runs to the largest, same-order sum). Returns the table size.
    /// </summary>
    private static int PartialSumBounds(ReadOnlySpan<int> a, ReadOnlySpan<int> b, long[] low, int[] offset)
    {
        var n = a.Length;
        var states = 1 << n;
        Span<int> items = stackalloc int[n];
        offset[0] = 0;
        for (var mask = 0; mask < states; mask++)
        {
            var k = 0;
            for (var j = 0; j < n; j++) if ((mask & (1 << j)) != 0) items[k++] = b[j];
            long lo = 0, hi = 0;
            for (var i = 0; i < k; i++)
            {
                hi += (long)a[i] * items[i];
                lo += (long)a[i] * items[k - 1 - i];
            }
            low[mask] = lo;
            offset[mask + 1] = checked(offset[mask] + (int)(hi - lo + 1));
        }
        return offset[states];
    }

    /// <summary>
    /// counts[offset[m] + s − low[m]] = number of ways to give the items of m to the first |m| positions with partial sum s.
    /// Masks are visited in increasing order, so every state is complete before it is extended.
    /// </summary>
    private static void CountPairings(ReadOnlySpan<int> a, ReadOnlySpan<int> b, long[] low, int[] offset, long[] counts)
    {
        var n = a.Length;
        var states = 1 << n;
        counts[0] = 1; // the empty pairing: partial sum 0 (mask 0's range is exactly [0, 0])
        for (var mask = 0; mask < states - 1; mask++)
        {
            var k = System.Numerics.BitOperations.PopCount((uint)mask);
            var srcStart = offset[mask];
            var width = offset[mask + 1] - srcStart;
            // Trim zero ends: the reachable sums need not fill the bounds.
            var first = 0;
            while (first < width && counts[srcStart + first] == 0) first++;
            if (first == width) continue;
            var last = width - 1;
            while (counts[srcStart + last] == 0) last--;
            var src = counts.AsSpan(srcStart + first, last - first + 1);
            var srcLow = low[mask] + first;
            for (var j = 0; j < n; j++)
            {
                if ((mask & (1 << j)) != 0) continue;
                // Tied items lead to the same sums, but each is its own permutation: each adds its own copy.
                var next = mask | (1 << j);
                var dst = counts.AsSpan(offset[next] + (int)(srcLow + (long)a[k] * b[j] - low[next]), src.Length);
                Add(src, dst);
            }
        }
    }

    private static void Add(ReadOnlySpan<long> src, Span<long> dst)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var width = System.Numerics.Vector<long>.Count;
            for (; i <= src.Length - width; i += width)
                (new System.Numerics.Vector<long>(src[i..]) + new System.Numerics.Vector<long>(dst[i..])).CopyTo(dst[i..]);
        }
        for (; i < src.Length; i++) dst[i] += src[i];
    }

    private static MonteCarloResult MonteCarloPValue(ReadOnlySpan<int> a, ReadOnlySpan<int> bIn, int permutations, ulong seed, int stopAfterExceedances)
    {
        var n = a.Length;
        long sumA = 0, sumB = 0, dot = 0;
        for (var i = 0; i < n; i++) { sumA += a[i]; sumB += bIn[i]; dot += (long)a[i] * bIn[i]; }
        var observed = ScaledAbsCovariance(dot, n, sumA, sumB);
        var b = bIn.ToArray();
        var state = seed;
        var extreme = 0;
        for (var p = 0; p < permutations; p++)
        {
            // Fisher–Yates shuffles whatever order b is in; the result is a uniform random pairing every time.
            long s = 0;
            for (var i = n - 1; i > 0; i--)
            {
                var j = (int)Math.BigMul(SplitMix64(ref state), (ulong)(i + 1), out _); // uniform in 0..i (Lemire; bias ≤ 2⁻⁵⁸)
                var bj = b[j];
                b[j] = b[i];
                b[i] = bj;
                s += (long)a[i] * bj;
            }
            s += (long)a[0] * b[0];
            if (ScaledAbsCovariance(s, n, sumA, sumB) >= observed && ++extreme == stopAfterExceedances)
                return new((double)extreme / (p + 1), p + 1);
        }
        return new((1.0 + extreme) / (1.0 + permutations), permutations);
    }

    /// <summary>A Monte-Carlo permutation p-value and the draws it took (fewer than the maximum when it stopped early).</summary>
    public readonly record struct MonteCarloResult(double P, int Draws);

    /// <summary>SplitMix64 (Steele, Lea &amp; Flood 2014): tiny, fast, and the same sequence on every platform and runtime.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // ---------------------------------------------------------------- intervals and multiple testing

    /// <summary>
    /// 95 % interval by Fisher's z: tanh(atanh(r) ± z₀.₉₇₅·√(varianceFactor/(n−3))). varianceFactor is 1 for Pearson and
    /// <see cref="SpearmanFisherVarianceFactor"/> for Spearman. |r| = 1 gives the degenerate interval [r, r].
    /// </summary>
    public static (double Low, double High) FisherInterval(double r, int n, double varianceFactor = 1.0)
    {
        if (n < 4) throw new ArgumentOutOfRangeException(nameof(n), n, "Fisher's interval needs at least 4 pairs");
        if (double.IsNaN(r) || r < -1 || r > 1) throw new ArgumentOutOfRangeException(nameof(r), r, "r must be in -1..1");
        if (!(varianceFactor > 0)) throw new ArgumentOutOfRangeException(nameof(varianceFactor), varianceFactor, "must be positive");
        if (Math.Abs(r) >= 1) return (r, r);
        var z = Math.Atanh(r);
        var half = Z95 * Math.Sqrt(varianceFactor / (n - 3));
        return (Math.Tanh(z - half), Math.Tanh(z + half));
    }

    /// <summary>
    /// Benjamini–Hochberg adjusted p-values (q-values), in input order: q₍ᵢ₎ = min over j ≥ i of p₍ⱼ₎·m/j for the
    /// ascending order p₍₁₎ ≤ … ≤ p₍ₘ₎, capped at 1 (statsmodels' multipletests(method='fdr_bh')).
    /// </summary>
    public static double[] BenjaminiHochberg(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var m = pValues.Count;
        var q = new double[m];
        if (m == 0) return q;
        var order = new int[m];
        var sorted = new double[m];
        for (var i = 0; i < m; i++)
        {
            var p = pValues[i];
            if (double.IsNaN(p) || p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(pValues), p, $"p-value {i} is not in 0..1");
            order[i] = i;
            sorted[i] = p;
        }
        Array.Sort(sorted, order);
        var running = 1.0;
        for (var rank = m; rank >= 1; rank--)
        {
            running = Math.Min(running, sorted[rank - 1] / ((double)rank / m)); // statsmodels' order of operations
            q[order[rank - 1]] = running;
        }
        return q;
    }
}
