using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Forecasting;

/// <summary>
/// The model-ready history of one symptom: the last <see cref="Length"/> days, scaled to 0..1 by the
/// type's range, gaps forward-filled, with the observed mask.
/// </summary>
public sealed record ForecastWindow(ObservationType Type, DateOnly LastDay, float[] Scaled, float[] Mask)
{
    public const int Length = 28;

    /// <summary>Fewer observed days than this in the window and a forecast is not meaningful.</summary>
    public const int MinimumObservedDays = 14;

    /// <summary>The window ending on the last day <paramref name="type"/> was observed (what serving forecasts from).</summary>
    public static ForecastWindow? TryBuild(IEnumerable<Observation> observations, ObservationType type, out int observedDays)
    {
        var list = observations as IReadOnlyCollection<Observation> ?? observations.ToList();
        observedDays = 0;
        return DailySeries.LastObservedDay(list, type) is { } lastDay ? TryBuild(list, type, lastDay, out observedDays) : null;
    }

    /// <summary>The window ending on <paramref name="lastDay"/> (training uses every origin), or null if too sparse.</summary>
    public static ForecastWindow? TryBuild(IEnumerable<Observation> observations, ObservationType type, DateOnly lastDay, out int observedDays)
    {
        var series = DailySeries.Build(observations, type, lastDay, Length);
        observedDays = series.ObservedDays;
        if (observedDays < MinimumObservedDays || !series.Observed[^1]) return null;
        var filled = series.ForwardFilled();
        var scaled = new float[Length];
        var mask = new float[Length];
        for (var i = 0; i < Length; i++)
        {
            scaled[i] = (float)Scale(type, filled[i]);
            mask[i] = series.Observed[i] ? 1f : 0f;
        }
        return new ForecastWindow(type, lastDay, scaled, mask);
    }

    public static double Scale(ObservationType type, double value) => (value - type.Min) / (type.Max - type.Min);
    public static double Unscale(ObservationType type, double scaled) => type.Min + scaled * (type.Max - type.Min);
}
