namespace NovaMind.Domain.Forecasting;

/// <summary>
/// Split-conformal prediction intervals, calibrated per forecast horizon.
/// </summary>
/// <remarks>
/// <para>A held-out calibration set gives nonconformity scores s_i = |y_i − ŷ_i| (absolute) or |y_i − ŷ_i| / σ̂_i
/// (normalised by a predicted scale, so intervals widen where the model says it is unsure). For miscoverage α the
/// interval half-width is the ⌈(n+1)(1−α)⌉-th smallest of the n scores — the empirical (1−α) quantile with the
/// finite-sample correction — and ŷ ± q (or ŷ ± q·σ̂) then covers a new exchangeable point with probability ≥ 1−α
/// (and &lt; 1−α + 1/(n+1) without ties). When ⌈(n+1)(1−α)⌉ &gt; n the guarantee needs an infinite interval.</para>
/// <para>The guarantee is marginal and assumes calibration and new points are exchangeable; forecast windows from
/// the same patient, or overlapping origins, weaken it, so calibrate on held-out patients where possible.
/// Intervals are not clamped to a value range; clamping to a scale is the caller's.</para>
/// </remarks>
public sealed class SplitConformal
{
    public const double Level80 = 0.80;
    public const double Level95 = 0.95;

    private readonly double[][] _quantiles; // [horizon][level]
    private readonly double[] _levels;
    private readonly int[] _calibrationSizes;

    private SplitConformal(bool normalized, double[] levels, double[][] quantiles, int[] calibrationSizes)
    {
        Normalized = normalized;
        _levels = levels;
        _quantiles = quantiles;
        _calibrationSizes = calibrationSizes;
    }

    /// <summary>Whether scores were divided by a predicted scale (then <see cref="Interval"/> needs that scale).</summary>
    public bool Normalized { get; }
    public int Horizons => _quantiles.Length;
    public IReadOnlyList<double> Levels => _levels;

    /// <summary>Calibration points that had a value at <paramref name="horizon"/>.</summary>
    public int CalibrationSize(int horizon) => _calibrationSizes[horizon];

    /// <summary>The calibrated half-width (in score units) at a horizon for a coverage level given to <see cref="Calibrate"/>.</summary>
    public double Quantile(int horizon, double level) => _quantiles[horizon][LevelIndex(level)];

    /// <summary>
    /// Calibrates from forecasts of a held-out set: <c>actual[i][h]</c>, <c>predicted[i][h]</c> and, for normalised
    /// scores, a positive <c>scale[i][h]</c> for calibration sample i at horizon h. NaN actuals (unobserved days) are skipped.
    /// </summary>
    /// <param name="levels">Coverage levels 1−α; 80 % and 95 % when omitted.</param>
    public static SplitConformal Calibrate(IReadOnlyList<IReadOnlyList<double>> actual, IReadOnlyList<IReadOnlyList<double>> predicted,
        IReadOnlyList<IReadOnlyList<double>>? scale = null, IReadOnlyList<double>? levels = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        if (actual.Count == 0 || actual.Count != predicted.Count) throw new ArgumentException("need the same, non-zero, number of actual and predicted rows");
        if (scale is not null && scale.Count != actual.Count) throw new ArgumentException("need one scale row per calibration row", nameof(scale));
        var levelArray = (levels ?? [Level80, Level95]).ToArray();
        if (levelArray.Length == 0 || levelArray.Any(l => !(l > 0 && l < 1))) throw new ArgumentException("levels must lie in (0, 1)", nameof(levels));

        var horizons = actual[0].Count;
        var scores = new List<double>[horizons];
        for (var h = 0; h < horizons; h++) scores[h] = new List<double>(actual.Count);
        for (var i = 0; i < actual.Count; i++)
        {
            if (actual[i].Count != horizons || predicted[i].Count != horizons || (scale is not null && scale[i].Count != horizons))
                throw new ArgumentException($"row {i} does not have {horizons} horizons");
            for (var h = 0; h < horizons; h++)
            {
                if (double.IsNaN(actual[i][h])) continue;
                scores[h].Add(Score(actual[i][h], predicted[i][h], scale?[i][h]));
            }
        }

        var quantiles = new double[horizons][];
        for (var h = 0; h < horizons; h++)
        {
            scores[h].Sort();
            quantiles[h] = levelArray.Select(l => SortedQuantile(scores[h], 1 - l)).ToArray();
        }
        return new SplitConformal(scale is not null, levelArray, quantiles, scores.Select(s => s.Count).ToArray());
    }

    /// <summary>ŷ ± q (absolute scores) or ŷ ± q·σ̂ (normalised scores) at <paramref name="horizon"/>.</summary>
    public (double Lower, double Upper) Interval(int horizon, double prediction, double level, double? scale = null)
    {
        var q = Quantile(horizon, level);
        double width;
        if (Normalized)
        {
            if (scale is not { } s || !(s > 0)) throw new ArgumentException("normalised calibration needs a positive predicted scale", nameof(scale));
            width = q * s;
        }
        else width = q;
        return (prediction - width, prediction + width);
    }

    /// <summary>Nonconformity score: |y − ŷ|, or |y − ŷ| / σ̂ when a scale is given.</summary>
    public static double Score(double actual, double predicted, double? scale = null)
    {
        if (!double.IsFinite(actual) || !double.IsFinite(predicted)) throw new ArgumentException("actual and predicted values must be finite");
        var residual = Math.Abs(actual - predicted);
        if (scale is null) return residual;
        if (!(scale > 0) || !double.IsFinite(scale.Value)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be positive");
        return residual / scale.Value;
    }

    /// <summary>The 1-based rank ⌈(n+1)(1−α)⌉ of the conformal quantile among n sorted scores (may exceed n).</summary>
    public static int QuantileRank(int n, double alpha)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in (0, 1)");
        // The small slack keeps exact products such as 100·0.8 = 80.000000000000014 from rounding up a whole rank.
        return (int)Math.Ceiling((n + 1) * (1 - alpha) - 1e-9);
    }

    /// <summary>The finite-sample conformal quantile of <paramref name="scores"/>; +∞ when n is too small for α.</summary>
    public static double ConformalQuantile(IEnumerable<double> scores, double alpha)
    {
        var sorted = scores.ToList();
        if (sorted.Any(s => double.IsNaN(s))) throw new ArgumentException("scores must not be NaN", nameof(scores));
        sorted.Sort();
        return SortedQuantile(sorted, alpha);
    }

    /// <summary>Fraction of <paramref name="actual"/> values inside their intervals (ends included); NaN actuals are skipped.</summary>
    public static double Coverage(IReadOnlyList<double> actual, IReadOnlyList<(double Lower, double Upper)> intervals)
    {
        if (actual.Count != intervals.Count) throw new ArgumentException("need one interval per actual value");
        int inside = 0, counted = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            if (double.IsNaN(actual[i])) continue;
            counted++;
            if (actual[i] >= intervals[i].Lower && actual[i] <= intervals[i].Upper) inside++;
        }
        return counted == 0 ? double.NaN : (double)inside / counted;
    }

    private static double SortedQuantile(List<double> sorted, double alpha)
    {
        if (sorted.Count == 0) return double.PositiveInfinity;
        var rank = QuantileRank(sorted.Count, alpha);
        return rank > sorted.Count ? double.PositiveInfinity : sorted[rank - 1];
    }

    private int LevelIndex(double level)
    {
        for (var i = 0; i < _levels.Length; i++)
            if (Math.Abs(_levels[i] - level) < 1e-12) return i;
        throw new ArgumentException($"level {level} was not calibrated (have {string.Join(", ", _levels)})", nameof(level));
    }
}
