namespace NovaMind.Domain.Monitoring;

/// <summary>
/// Running accuracy of scored forecast points: count, mean absolute error and its spread (sum and sum of squares, so
/// partial sums from many twins and silos merge exactly), and how often the 80 % and 95 % intervals held the value.
/// </summary>
public sealed record AccuracyStats(long Count, double SumAbsoluteError, double SumSquaredAbsoluteError, long Hits80, long Hits95)
{
    public static AccuracyStats Empty { get; } = new(0, 0, 0, 0, 0);

    public double Mae => Count == 0 ? double.NaN : SumAbsoluteError / Count;

    public double Coverage80 => Count == 0 ? double.NaN : (double)Hits80 / Count;

    public double Coverage95 => Count == 0 ? double.NaN : (double)Hits95 / Count;

    /// <summary>Sample standard deviation of the absolute errors (NaN below two points).</summary>
    public double StandardDeviation => Count < 2 ? double.NaN
        : Math.Sqrt(Math.Max(0, (SumSquaredAbsoluteError - SumAbsoluteError * SumAbsoluteError / Count) / (Count - 1)));

    public AccuracyStats Add(ScoredPoint p) =>
        new(Count + 1, SumAbsoluteError + p.AbsoluteError, SumSquaredAbsoluteError + p.AbsoluteError * p.AbsoluteError, Hits80 + (p.In80 ? 1 : 0), Hits95 + (p.In95 ? 1 : 0));

    public AccuracyStats Merge(AccuracyStats other) =>
        new(Count + other.Count, SumAbsoluteError + other.SumAbsoluteError, SumSquaredAbsoluteError + other.SumSquaredAbsoluteError, Hits80 + other.Hits80, Hits95 + other.Hits95);
}

/// <summary>What the offline evaluation of a model version measured for one symptom and horizon bucket.</summary>
public sealed record OfflineAccuracy(double Mae, double? Coverage80, double? Coverage95, string Source);

/// <summary>The verdict on a version's live error against its offline error, with the numbers behind it.</summary>
public sealed record LiveAccuracyVerdict(bool Flagged, bool EnoughData, double? Ratio, double? Z, string Rule);

/// <summary>
/// When live error says a served version does worse than its offline evaluation: with at least
/// <see cref="MinPoints"/> scored points, a one-sided z-test of the live mean absolute error against the offline MAE
/// raised by <see cref="Margin"/> (H₀: live MAE ≤ offline × (1 + margin)) rejects at <see cref="Alpha"/>. Points from one
/// patient are correlated (overlapping horizons, the same person), so the test's nominal level is optimistic; the margin
/// and the minimum count are what keep it from flagging on noise. Table-tested in the domain tests.
/// </summary>
public sealed record LiveAccuracyRule(double Margin = 0.10, long MinPoints = 200, double Alpha = 0.05)
{
    /// <summary>The rule in words, as operators see it next to the numbers.</summary>
    public string Description => DescriptionFor("MAE");

    /// <summary>The rule in words for a loss other than the absolute error (the PGx Brier score uses the same test).</summary>
    public string DescriptionFor(string loss) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"flag when n ≥ {MinPoints} and a one-sided z-test (α = {Alpha}) finds live {loss} > offline {loss} × {1 + Margin:0.###}");

    public LiveAccuracyVerdict Evaluate(AccuracyStats live, OfflineAccuracy? offline)
    {
        var rule = Description;
        if (offline is null || !(offline.Mae > 0)) return new(false, false, null, null, rule + "; no offline MAE for this version and bucket");
        var ratio = live.Count == 0 ? (double?)null : live.Mae / offline.Mae;
        if (live.Count < MinPoints || double.IsNaN(live.StandardDeviation)) return new(false, false, ratio, null, rule);
        var se = live.StandardDeviation / Math.Sqrt(live.Count);
        var z = se > 0 ? (live.Mae - offline.Mae * (1 + Margin)) / se : (live.Mae > offline.Mae * (1 + Margin) ? double.PositiveInfinity : double.NegativeInfinity);
        return new(z > MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - Alpha), true, ratio, z, rule);
    }
}
