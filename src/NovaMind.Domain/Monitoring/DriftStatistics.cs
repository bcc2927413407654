namespace NovaMind.Domain.Monitoring;

/// <summary>
/// A feature's (or a prediction's) distribution at training time: the inner edges of its decile bins and the share of the
/// training values that fell in each bin (1/bins for continuous values; ties, such as integer questionnaire scores, make
/// shares unequal). What a served stream is compared with; stored in the model artifact, and no training value can be
/// read back from it.
/// </summary>
public sealed record ReferenceDistribution(string Name, double[] Edges, double[] Shares, long Count)
{
    public const int DefaultBins = 10;

    /// <summary>Bins at the deciles (<paramref name="bins"/>-quantiles) of <paramref name="values"/> (NaNs ignored), and their shares.</summary>
    public static ReferenceDistribution From(string name, IEnumerable<double> values, int bins = DefaultBins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length < bins) throw new ArgumentException($"at least {bins} finite values are needed for {bins} bins; got {sorted.Length}", nameof(values));
        var edges = Enumerable.Range(1, bins - 1).Select(k => Quantile(sorted, (double)k / bins)).ToArray();
        var shares = new double[bins];
        foreach (var v in sorted) shares[BinOf(edges, v)] += 1.0 / sorted.Length;
        return new ReferenceDistribution(name, edges, shares, sorted.Length);
    }

    /// <summary>Equal-share bins with the given inner edges (a reference known by its quantiles only).</summary>
    public static ReferenceDistribution FromQuantiles(string name, double[] edges, long count) =>
        new(name, edges, [.. Enumerable.Repeat(1.0 / (edges.Length + 1), edges.Length + 1)], count);

    public int Bins => Edges.Length + 1;

    /// <summary>p90 − p10 of a normal distribution in units of its standard deviation (2 × 1.28155).</summary>
    private const double NormalDecileSpread = 2.5631031310892007;

    /// <summary>
    /// How far <paramref name="value"/> lies from the training median, in units of a standard deviation estimated from the
    /// deciles ((p90 − p10) / 2.563, exact for a normal and robust to outliers): an out-of-distribution score that needs
    /// only the stored bins. NaN for a non-decile reference, a flat one (p10 = p90) or a missing value.
    /// </summary>
    public double RobustZ(double value)
    {
        if (Edges.Length != DefaultBins - 1 || !double.IsFinite(value)) return double.NaN;
        var spread = Edges[8] - Edges[0];
        return spread > 0 ? (value - Edges[4]) / (spread / NormalDecileSpread) : double.NaN;
    }

    /// <summary>The bin of <paramref name="value"/>: the first edge at or above it (bin k holds (edge k−1, edge k]).</summary>
    public int BinOf(double value) => BinOf(Edges, value);

    private static int BinOf(double[] edges, double value)
    {
        int lo = 0, hi = edges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (edges[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static double Quantile(double[] sorted, double p)
    {
        var h = (sorted.Length - 1) * p; // linear interpolation between order statistics (type 7, numpy's default)
        var lo = (int)Math.Floor(h);
        return lo + 1 < sorted.Length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
    }
}

/// <summary>How far a served window of one feature has moved from its reference.</summary>
/// <param name="Psi">Population stability index over the reference's bins (Σ (aᵢ − eᵢ)·ln(aᵢ / eᵢ), empty bins smoothed).</param>
/// <param name="ChiSquarePValue">Pearson's χ² goodness-of-fit of the window's bin counts against the reference shares (bins − 1 df).</param>
public sealed record DriftResult(string Name, long Count, double Psi, double ChiSquare, double ChiSquarePValue, bool Drifted);

/// <summary>
/// Input and prediction drift (issue 16) against a <see cref="ReferenceDistribution"/>: the population stability index
/// and a χ² test on the reference's decile bins (a quantile-based two-sample comparison that needs no training values).
/// A feature has drifted when PSI exceeds <see cref="PsiThreshold"/> (0.25 is the customary "major shift") and the χ²
/// p-value is below <see cref="Alpha"/>, with at least <see cref="MinCount"/> values in the window.
/// </summary>
public sealed record DriftRule(double PsiThreshold = 0.25, double Alpha = 0.001, int MinCount = 200)
{
    /// <summary>Share given to an empty bin in the PSI (a bin nobody fills would otherwise make it infinite).</summary>
    public const double EmptyBinShare = 1e-4;

    /// <summary>The rule in words, as operators see it next to the numbers.</summary>
    public string Description => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"drifted when PSI > {PsiThreshold} and the chi-square p-value < {Alpha} with at least {MinCount} values (decile bins of the training reference)");

    public DriftResult Evaluate(ReferenceDistribution reference, IReadOnlyCollection<double> window)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return Evaluate(reference, Counts(reference, window));
    }

    /// <summary>A window's count per bin of <paramref name="reference"/> (non-finite values left out).</summary>
    public static long[] Counts(ReferenceDistribution reference, IEnumerable<double> window)
    {
        var counts = new long[reference.Bins];
        foreach (var v in window)
            if (double.IsFinite(v)) counts[reference.BinOf(v)]++;
        return counts;
    }

    /// <summary>The rule on a window given by its counts per reference bin (windows of several silos add bin by bin).</summary>
    public DriftResult Evaluate(ReferenceDistribution reference, IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (counts.Count != reference.Bins) throw new ArgumentException($"{counts.Count} counts for {reference.Bins} bins", nameof(counts));
        var n = counts.Sum();
        if (n == 0) return new DriftResult(reference.Name, 0, double.NaN, double.NaN, double.NaN, false);
        var expected = reference.Shares;
        double psi = 0, chi = 0;
        for (var b = 0; b < counts.Count; b++)
        {
            var actual = Math.Max((double)counts[b] / n, EmptyBinShare);
            var share = Math.Max(expected[b], EmptyBinShare);
            psi += (actual - share) * Math.Log(actual / share);
            var e = expected[b] * n;
            if (e > 0) chi += (counts[b] - e) * (counts[b] - e) / e;
        }
        var df = expected.Count(e => e > 0) - 1;
        var p = df > 0 ? MathNet.Numerics.SpecialFunctions.GammaUpperRegularized(df / 2.0, chi / 2.0) : 1; // upper tail, exact for tiny p
        return new DriftResult(reference.Name, n, psi, chi, p, n >= MinCount && psi > PsiThreshold && p < Alpha);
    }
}
