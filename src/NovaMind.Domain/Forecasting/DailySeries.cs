using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Forecasting;

/// <summary>
/// One observation type on a daily (UTC) grid: the mean of each day's readings, and whether the day had any.
/// </summary>
public sealed class DailySeries
{
    public DateOnly Start { get; }
    public double[] Values { get; }
    public bool[] Observed { get; }

    private DailySeries(DateOnly start, double[] values, bool[] observed)
    {
        Start = start;
        Values = values;
        Observed = observed;
    }

    public int Days => Values.Length;
    public DateOnly End => Start.AddDays(Days - 1);
    public int ObservedDays => Observed.Count(o => o);

    /// <summary>The <paramref name="days"/> days ending on <paramref name="end"/> (inclusive).</summary>
    public static DailySeries Build(IEnumerable<Observation> observations, ObservationType type, DateOnly end, int days)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        var start = end.AddDays(-(days - 1));
        var sums = new double[days];
        var counts = new int[days];
        foreach (var o in observations)
        {
            if (o.Type != type) continue;
            var i = DateOnly.FromDateTime(o.Time.UtcDateTime).DayNumber - start.DayNumber;
            if (i < 0 || i >= days) continue;
            sums[i] += o.Value;
            counts[i]++;
        }
        var values = new double[days];
        var observed = new bool[days];
        for (var i = 0; i < days; i++)
        {
            if (counts[i] == 0) continue;
            values[i] = sums[i] / counts[i];
            observed[i] = true;
        }
        return new DailySeries(start, values, observed);
    }

    /// <summary>The last UTC day with a reading of <paramref name="type"/>, if any.</summary>
    public static DateOnly? LastObservedDay(IEnumerable<Observation> observations, ObservationType type)
    {
        DateTimeOffset? last = null;
        foreach (var o in observations)
            if (o.Type == type && (last is null || o.Time > last)) last = o.Time;
        return last is { } t ? DateOnly.FromDateTime(t.UtcDateTime) : null;
    }

    /// <summary>
    /// Values with gaps filled by the last observed value (the first observed value before any),
    /// so a model sees a continuous series plus the mask of which days were real.
    /// </summary>
    public double[] ForwardFilled()
    {
        var filled = new double[Days];
        var firstIndex = Array.IndexOf(Observed, true);
        if (firstIndex < 0) return filled;
        var carry = Values[firstIndex];
        for (var i = 0; i < Days; i++)
        {
            if (Observed[i]) carry = Values[i];
            filled[i] = carry;
        }
        return filled;
    }
}
