namespace NovaMind.Ml.Forecasting;

/// <summary>
/// The small pieces of the ensemble pipeline that have known answers: the per-horizon weight search, the naive
/// baselines and the MASE scale. Day series are indexed by day with NaN where the symptom was not observed.
/// </summary>
public static class ForecastEnsembleMath
{
    /// <summary>
    /// The weight w ∈ [0, 1] (grid with <paramref name="step"/>) minimising mean |w·a + (1−w)·b − y| over the points
    /// where y is not NaN; ties go to the smaller w. Returns (w, MAE at w).
    /// </summary>
    public static (double Weight, double Mae) BestWeight(IReadOnlyList<double> a, IReadOnlyList<double> b, IReadOnlyList<double> y, double step = 0.05)
    {
        if (a.Count != b.Count || a.Count != y.Count) throw new ArgumentException("a, b and y must have the same length");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, 0);
        var steps = (int)Math.Round(1 / step);
        var best = (Weight: 0.0, Mae: double.PositiveInfinity);
        for (var k = 0; k <= steps; k++)
        {
            var w = Math.Min(1, k * step);
            var mae = Mae(a, b, y, w);
            if (mae < best.Mae - 1e-12) best = (w, mae);
        }
        return best;
    }

    /// <summary>Mean |w·a + (1−w)·b − y| over non-NaN y (NaN when there are none).</summary>
    public static double Mae(IReadOnlyList<double> a, IReadOnlyList<double> b, IReadOnlyList<double> y, double w)
    {
        double sum = 0;
        var n = 0;
        for (var i = 0; i < y.Count; i++)
        {
            if (double.IsNaN(y[i])) continue;
            sum += Math.Abs(w * a[i] + (1 - w) * b[i] - y[i]);
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>The last observed value on or before day <paramref name="day"/> (NaN when none).</summary>
    public static double LastObserved(IReadOnlyList<double> series, int day)
    {
        for (var d = Math.Min(day, series.Count - 1); d >= 0; d--)
            if (!double.IsNaN(series[d])) return series[d];
        return double.NaN;
    }

    /// <summary>
    /// Weekly seasonal naive forecast from origin t for horizon h: the value on the same weekday in the last observed
    /// week before the origin, day t + h − 7·⌈h/7⌉ (always ≤ t). If that day is missing, the last observed value
    /// on or before it.
    /// </summary>
    public static double SeasonalNaive(IReadOnlyList<double> series, int origin, int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        var day = origin + horizon - 7 * ((horizon + 6) / 7);
        return LastObserved(series, day);
    }

    /// <summary>
    /// MASE scale: the in-sample mean absolute weekly-seasonal difference |y_d − y_{d−7}| over days d &lt; <paramref name="end"/>
    /// with both days observed (NaN when there is no such pair).
    /// </summary>
    public static double MaseScale(IReadOnlyList<double> series, int end)
    {
        double sum = 0;
        var n = 0;
        for (var d = 7; d < Math.Min(end, series.Count); d++)
        {
            if (double.IsNaN(series[d]) || double.IsNaN(series[d - 7])) continue;
            sum += Math.Abs(series[d] - series[d - 7]);
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }
}
