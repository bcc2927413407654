namespace NovaMind.Ml.Forecasting.Statistical;

/// <summary>One origin's statistical forecast: mean and variance per horizon 1..H.</summary>
public sealed record StatisticalForecast(double[] Mean, double[] Variance);

/// <summary>Which per-patient model a forecast set's statistical member is; recorded in the set (ensemble.json) so a set keeps the member it was trained with.</summary>
public enum StatisticalMemberKind
{
    /// <summary>SARIMA(1,0,0)(1,0,0)₇ alone: sets 0.4.0 and 0.5.0 (ensemble.json without <c>statistical_member</c>).</summary>
    Sarima,
    /// <summary>The equal-weight mean of SARIMA(1,0,0)(1,0,0)₇ and ETS(A,N,A): sets from 0.6.0.</summary>
    SarimaEtsMean,
}

/// <summary>
/// The ensemble's per-patient member. Since set 0.6.0 (<see cref="StatisticalMemberKind.SarimaEtsMean"/>) the equal-weight mean of two structurally different classical
/// models fitted by maximum likelihood on the patient's own daily history of the symptom — SARIMA(1,0,0)(1,0,0)₇ with a
/// mean (stationary: the patient returns to a personal baseline) and ETS(A,N,A) (a local level that moves: a patient whose
/// baseline shifts). Missing days are skipped by both filters. Two fixed orders rather than the AICc searches: they are
/// the ones near the serving budget (docs/benchmarks.md), and an equal-weight mean of different models is the
/// combination the forecasting competitions found hard to beat (ADR 0026); how much of the member a patient needs is left
/// to the patient's own backtest weights.
/// </summary>
public static class StatisticalMember
{
    public static readonly SarimaSpec Sarima = new(1, 0, 1, 0);
    public static readonly EtsSpec Ets = new(EtsTrend.None, Seasonal: true);

    /// <summary>What newly trained sets use.</summary>
    public const StatisticalMemberKind Default = StatisticalMemberKind.SarimaEtsMean;

    public static string Description(StatisticalMemberKind kind) => kind == StatisticalMemberKind.Sarima
        ? $"{Sarima.Name} with a mean, maximum likelihood on the patient's own daily history (Kalman filter; missing days skipped)"
        : $"mean of {Sarima.Name} with a mean and {Ets.Name}, each by maximum likelihood on the patient's own daily history (missing days skipped)";

    /// <summary>The name a set's ensemble.json records for <paramref name="kind"/>; absent (null) means SARIMA alone.</summary>
    public static string Name(StatisticalMemberKind kind) => kind == StatisticalMemberKind.Sarima ? "sarima" : "sarima_ets_mean";

    public static StatisticalMemberKind Parse(string? name) => name switch
    {
        null or "sarima" => StatisticalMemberKind.Sarima,
        "sarima_ets_mean" => StatisticalMemberKind.SarimaEtsMean,
        _ => throw new InvalidDataException($"unknown statistical member '{name}'"),
    };

    /// <summary>The half-width of the central <paramref name="level"/> interval of a Gaussian forecast with sd <paramref name="sd"/> (the member's own intervals).</summary>
    public static double HalfWidth(double sd, double level) =>
        MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, (1 + level) / 2) * Math.Max(sd, 0);

    /// <summary>Days of history the member is fitted on at most (the most recent ones): older days add time, not skill.</summary>
    public const int MaxHistoryDays = 365;

    /// <summary>Observed days the member's models need (ETS(A,N,A) has ten free parameters).</summary>
    public static int MinObservedDays(StatisticalMemberKind kind) =>
        (kind == StatisticalMemberKind.Sarima ? Sarima.ParameterCount : Math.Max(Sarima.ParameterCount, ExponentialSmoothing.ParameterCount(Ets))) + 2;

    /// <summary>
    /// Fits on <paramref name="series"/> (one value per day, NaN where unobserved; the last day is the origin) and forecasts
    /// horizons 1..<paramref name="horizon"/>; null when the history cannot be fitted (too few observed days).
    /// </summary>
    public static StatisticalForecast? Forecast(IReadOnlyList<double> series, int horizon, StatisticalMemberKind kind = Default) =>
        series.Count == 0 ? null : Rolling(series, [series.Count - 1], horizon, 1, kind)[0];

    /// <summary>
    /// Rolling-origin forecasts at <paramref name="originDays"/> (indices into <paramref name="series"/>, ascending): the
    /// parameters are fitted once on the days up to the first origin and the models are then filtered to each origin — nothing
    /// after an origin is seen by its forecast. Null entries where no fit is possible.
    /// </summary>
    public static StatisticalForecast?[] Backtest(IReadOnlyList<double> series, IReadOnlyList<int> originDays, int horizon, StatisticalMemberKind kind = Default) =>
        Rolling(series, originDays, horizon, int.MaxValue, kind);

    /// <summary>
    /// Rolling-origin forecasts that refit the parameters at the first origin and again whenever
    /// <paramref name="refitEveryDays"/> have passed since the last fit, filtering in between (training evaluates every
    /// day of many patients this way: a fit a week, a filter a day). Each forecast sees only the days up to its origin.
    /// </summary>
    public static StatisticalForecast?[] Rolling(IReadOnlyList<double> series, IReadOnlyList<int> originDays, int horizon, int refitEveryDays,
        StatisticalMemberKind kind = Default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(refitEveryDays, 1);
        var forecasts = new StatisticalForecast?[originDays.Count];
        if (originDays.Count == 0) return forecasts;
        for (var k = 1; k < originDays.Count; k++)
            if (originDays[k] <= originDays[k - 1]) throw new ArgumentException("origins must be ascending", nameof(originDays));
        var values = series as double[] ?? [.. series];
        SarimaFit? sarima = null;
        EtsFit? ets = null;
        var fittedAt = int.MinValue;
        var etsStart = 0; // the ETS states are carried from the first day of the window it was fitted on
        var withEts = kind == StatisticalMemberKind.SarimaEtsMean;
        for (var k = 0; k < originDays.Count; k++)
        {
            var count = originDays[k] + 1;
            var history = Recent(values, count);
            if (history.Count(v => !double.IsNaN(v)) < MinObservedDays(kind)) continue;
            if (k == 0 || (long)originDays[k] - fittedAt >= refitEveryDays)
                (sarima, ets, fittedAt, etsStart) = (FitSarima(history), withEts ? FitEts(history) : null, originDays[k], history.Offset);
            // A flat window (σ² = 0) cannot be filtered through later, varying days: fit that origin on its own.
            var s = sarima is null || sarima.Parameters.Sigma2 <= 0 ? FitSarima(history) : SeasonalArima.Condition(Sarima, sarima.Parameters, history);
            if (s is null || !double.IsFinite(s.LogLikelihood) && s.Parameters.Sigma2 > 0) continue;
            var (sMean, sVariance) = s.Forecast(horizon);
            if (!withEts)
            {
                if (sMean.All(double.IsFinite)) forecasts[k] = new StatisticalForecast(sMean, sVariance);
                continue;
            }
            var e = ets is null || ets.Sigma2 <= 0 ? FitEts(history)
                : ExponentialSmoothing.Evaluate(ets.Spec, ets.Parameters, new ArraySegment<double>(values, etsStart, count - etsStart));
            if (e is null) continue;
            var (eMean, eVariance) = e.Forecast(horizon);
            var mean = new double[horizon];
            var variance = new double[horizon];
            for (var h = 0; h < horizon; h++)
            {
                mean[h] = (sMean[h] + eMean[h]) / 2;
                // The two errors are strongly correlated; the variance of the mean is taken at correlation 1 (the wider bound).
                var sd = (Math.Sqrt(Math.Max(sVariance[h], 0)) + Math.Sqrt(Math.Max(eVariance[h], 0))) / 2;
                variance[h] = sd * sd;
            }
            if (mean.All(double.IsFinite)) forecasts[k] = new StatisticalForecast(mean, variance);
        }
        return forecasts;
    }

    private static SarimaFit? FitSarima(IReadOnlyList<double> history)
    {
        try { return SeasonalArima.Fit(Sarima, history); }
        catch (ArgumentException) { return null; }
    }

    private static EtsFit? FitEts(IReadOnlyList<double> history)
    {
        try { return ExponentialSmoothing.Fit(Ets, history); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>The last <see cref="MaxHistoryDays"/> of the first <paramref name="count"/> days.</summary>
    private static ArraySegment<double> Recent(double[] series, int count)
    {
        var start = Math.Max(0, count - MaxHistoryDays);
        return new ArraySegment<double>(series, start, count - start);
    }
}
