namespace NovaMind.Domain.Forecasting;

/// <summary>Half-open range of day indices [Start, End) on a daily grid.</summary>
public readonly record struct DayRange(int Start, int End)
{
    public int Length => End - Start;
    public bool Contains(int day) => day >= Start && day < End;
}

/// <summary>
/// Per-patient robust normalisation: (x − median) / scale, with scale = IQR / 1.349 (the SD for Gaussian data),
/// falling back to 1.4826·MAD and then to 1 when the training values are (nearly) constant.
/// Fitted on the training days only so nothing about the future leaks into the inputs.
/// </summary>
public sealed record RobustScaler(double Median, double Scale)
{
    public const double MinimumScale = 1e-6;

    public static RobustScaler Identity { get; } = new(0, 1);

    /// <summary>Fits on the observed values of <paramref name="series"/> whose day index lies in <paramref name="training"/>.</summary>
    public static RobustScaler Fit(DailySeries series, DayRange training)
    {
        var values = new List<double>(training.Length);
        for (var i = Math.Max(0, training.Start); i < Math.Min(series.Days, training.End); i++)
            if (series.Observed[i]) values.Add(series.Values[i]);
        return Fit(values);
    }

    public static RobustScaler Fit(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return Identity;
        var sorted = values.Order().ToArray();
        var median = Quantile(sorted, 0.5);
        var scale = (Quantile(sorted, 0.75) - Quantile(sorted, 0.25)) / 1.349;
        if (scale < MinimumScale)
        {
            var deviations = sorted.Select(v => Math.Abs(v - median)).Order().ToArray();
            scale = 1.4826 * Quantile(deviations, 0.5);
        }
        if (scale < MinimumScale) scale = 1;
        return new RobustScaler(median, scale);
    }

    public double Normalise(double value) => (value - Median) / Scale;
    public double Denormalise(double normalised) => Median + normalised * Scale;

    /// <summary>Linear-interpolated quantile of sorted values (type 7, as numpy and R default).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(sorted));
        var pos = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
