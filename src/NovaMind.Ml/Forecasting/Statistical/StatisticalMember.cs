namespace NovaMind.Ml.Forecasting.Statistical;

/// <summary>One origin's statistical forecast: mean and variance per horizon 1..H.</summary>
public sealed record StatisticalForecast(double[] Mean, double[] Variance);

/// <summary>
/// The ensemble's per-patient member: SARIMA(1,0,0)(1,0,0)₇ with a mean, fitted by maximum likelihood on the patient's
/// own daily history of the symptom (missing days skipped by the Kalman filter). One fixed order rather than the AICc
/// search or AutoETS: it is the only one of them near the 20 ms serving budget (14–24 ms median per fit across runs,
/// docs/benchmarks.md; AutoETS 22–54 ms, the search 270–370 ms), and on the
/// training simulator it was the better of the two (docs/statistical-members.md); which member a patient needs is left
/// to the patient's own backtest weights.
/// </summary>
public static class StatisticalMember
{
    public static readonly SarimaSpec Spec = new(1, 0, 1, 0);

    public static string Description => $"{Spec.Name} with a mean, maximum likelihood on the patient's own daily history (Kalman filter; missing days skipped)";

    /// <summary>Days of history the member is fitted on at most (the most recent ones): older days add time, not skill.</summary>
    public const int MaxHistoryDays = 365;

    /// <summary>
    /// Fits on <paramref name="series"/> (one value per day, NaN where unobserved; the last day is the origin) and forecasts
    /// horizons 1..<paramref name="horizon"/>; null when the history cannot be fitted (too few observed days).
    /// </summary>
    public static StatisticalForecast? Forecast(IReadOnlyList<double> series, int horizon)
    {
        var history = Recent(series, series.Count);
        if (Fit(history) is not { } fit) return null;
        var (mean, variance) = fit.Forecast(horizon);
        return new StatisticalForecast(mean, variance);
    }

    /// <summary>
    /// Rolling-origin forecasts at <paramref name="originDays"/> (indices into <paramref name="series"/>, ascending): the
    /// parameters are fitted once on the days up to the first origin and the model is then filtered to each origin — nothing
    /// after an origin is seen by its forecast. Null entries where no fit is possible.
    /// </summary>
    public static StatisticalForecast?[] Backtest(IReadOnlyList<double> series, IReadOnlyList<int> originDays, int horizon) =>
        Rolling(series, originDays, horizon, int.MaxValue);

    /// <summary>
    /// Rolling-origin forecasts that refit the parameters at the first origin and again whenever
    /// <paramref name="refitEveryDays"/> have passed since the last fit, filtering in between (training evaluates every
    /// day of many patients this way: a fit a week, a filter a day). Each forecast sees only the days up to its origin.
    /// </summary>
    public static StatisticalForecast?[] Rolling(IReadOnlyList<double> series, IReadOnlyList<int> originDays, int horizon, int refitEveryDays)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(refitEveryDays, 1);
        var forecasts = new StatisticalForecast?[originDays.Count];
        if (originDays.Count == 0) return forecasts;
        for (var k = 1; k < originDays.Count; k++)
            if (originDays[k] <= originDays[k - 1]) throw new ArgumentException("origins must be ascending", nameof(originDays));
        SarimaFit? fitted = null;
        var fittedAt = int.MinValue;
        for (var k = 0; k < originDays.Count; k++)
        {
            var history = Recent(series, originDays[k] + 1);
            if (k == 0 || (long)originDays[k] - fittedAt >= refitEveryDays)
                (fitted, fittedAt) = (Fit(history), originDays[k]);
            // A flat window (σ² = 0) cannot be filtered through later, varying days: fit that origin on its own.
            var fit = fitted is null || fitted.Parameters.Sigma2 <= 0 ? Fit(history) : SeasonalArima.Condition(Spec, fitted.Parameters, history);
            if (fit is null || !double.IsFinite(fit.LogLikelihood) && fit.Parameters.Sigma2 > 0) continue;
            var (mean, variance) = fit.Forecast(horizon);
            if (mean.All(double.IsFinite)) forecasts[k] = new StatisticalForecast(mean, variance);
        }
        return forecasts;
    }

    private static SarimaFit? Fit(IReadOnlyList<double> history)
    {
        if (history.Count(v => !double.IsNaN(v)) < Spec.ParameterCount + 2) return null;
        try { return SeasonalArima.Fit(Spec, history); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>The last <see cref="MaxHistoryDays"/> of the first <paramref name="count"/> days.</summary>
    private static ArraySegment<double> Recent(IReadOnlyList<double> series, int count)
    {
        var array = series as double[] ?? [.. series];
        var start = Math.Max(0, count - MaxHistoryDays);
        return new ArraySegment<double>(array, start, count - start);
    }
}
