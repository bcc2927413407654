using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Forecasting;

/// <summary>Half-open range of day indices [Start, End) on a daily grid.</summary>
public readonly record struct DayRange(int Start, int End)
{
    public int Length => End - Start;
    public bool Contains(int day) => day >= Start && day < End;
}

/// <summary>One patient's observations aligned to a daily UTC grid, one <see cref="DailySeries"/> per type.</summary>
public sealed record PatientDailyGrid(DateOnly Start, int Days, IReadOnlyDictionary<ObservationType, DailySeries> Series)
{
    public DateOnly End => Start.AddDays(Days - 1);

    /// <summary>Aligns <paramref name="observations"/> to the <paramref name="days"/> days ending on <paramref name="end"/> (daily means).</summary>
    public static PatientDailyGrid Build(IEnumerable<Observation> observations, IEnumerable<ObservationType> types, DateOnly end, int days)
    {
        var list = observations as IReadOnlyCollection<Observation> ?? observations.ToList();
        var series = types.Distinct().ToDictionary(t => t, t => DailySeries.Build(list, t, end, days));
        return new PatientDailyGrid(end.AddDays(-(days - 1)), days, series);
    }
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

/// <summary>
/// A normalised series ready for a model: values with gaps imputed, the mask of real readings (1 = observed) and the
/// days since the last real reading (0 on observed days; capped), so a model can tell imputed from real values.
/// </summary>
public sealed record ImputedSeries(double[] Values, bool[] Mask, int[] DaysSinceObserved)
{
    public const int MaxDaysSinceObserved = 28;

    /// <summary>
    /// Normalises with <paramref name="scaler"/> and imputes by carrying the last observed value forward; days before the
    /// first reading get 0, the training median on the normalised scale. Only the past is used, so no value leaks backwards.
    /// </summary>
    public static ImputedSeries Impute(DailySeries series, RobustScaler scaler)
    {
        var values = new double[series.Days];
        var mask = new bool[series.Days];
        var since = new int[series.Days];
        double carry = 0;
        var gap = MaxDaysSinceObserved;
        for (var i = 0; i < series.Days; i++)
        {
            if (series.Observed[i])
            {
                carry = scaler.Normalise(series.Values[i]);
                gap = 0;
                mask[i] = true;
            }
            else gap = Math.Min(MaxDaysSinceObserved, gap + 1);
            values[i] = carry;
            since[i] = gap;
        }
        return new ImputedSeries(values, mask, since);
    }
}

/// <summary>Patients split into training and held-out sets, and days into training, validation and test periods.</summary>
public sealed record ForecastSplit(IReadOnlyList<int> TrainPatients, IReadOnlyList<int> HeldOutPatients, DayRange TrainDays, DayRange ValidationDays, DayRange TestDays)
{
    /// <summary>
    /// Held-out patients: a seeded shuffle, the first round(patients·heldOutShare) of it. Held-out time: the last
    /// <paramref name="testShare"/> of days is the test period and the <paramref name="validationShare"/> before it validation,
    /// each preceded by <paramref name="gap"/> unused days (≥ the forecast horizon) so no training target falls in a later period.
    /// Train patients are fitted on TrainDays; held-out patients are only ever evaluated.
    /// </summary>
    public static ForecastSplit Create(int patients, int days, double heldOutShare, double validationShare, double testShare, int gap, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patients);
        ArgumentOutOfRangeException.ThrowIfNegative(gap);
        if (heldOutShare is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(heldOutShare));
        if (validationShare < 0 || testShare < 0 || validationShare + testShare >= 1) throw new ArgumentOutOfRangeException(nameof(testShare), "validation + test shares must be below 1");
        var testLength = (int)Math.Round(days * testShare);
        var validationLength = (int)Math.Round(days * validationShare);
        var test = new DayRange(days - testLength, days);
        var validation = new DayRange(test.Start - (testLength > 0 ? gap : 0) - validationLength, test.Start - (testLength > 0 ? gap : 0));
        var train = new DayRange(0, validation.Start - (validationLength > 0 ? gap : 0));
        if (train.Length < 1) throw new ArgumentException($"{days} days leave no training period with gap {gap}", nameof(days));

        var order = Enumerable.Range(0, patients).ToArray();
        new Random(seed).Shuffle(order);
        var heldOut = (int)Math.Round(patients * heldOutShare);
        return new ForecastSplit(order.Skip(heldOut).Order().ToArray(), order.Take(heldOut).Order().ToArray(), train, validation, test);
    }
}

/// <summary>One rolling-origin fold: fit on <see cref="Train"/>, forecast from origins in <see cref="Validation"/>.</summary>
public sealed record RollingOriginFold(int Index, DayRange Train, DayRange Validation);

public static class RollingOriginCrossValidation
{
    /// <summary>
    /// Expanding-window folds over <paramref name="days"/> days: fold k trains on [0, minTrain + k·step) and validates on the
    /// <paramref name="validationDays"/> days after a gap of <paramref name="gap"/> days. The gap must be at least the forecast
    /// horizon so a training target (up to horizon days after its origin) never lies in the validation period.
    /// The last fold ends on the last day.
    /// </summary>
    public static IReadOnlyList<RollingOriginFold> Folds(int days, int folds, int horizon, int minTrainDays, int validationDays, int gap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minTrainDays, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(validationDays, 1);
        if (gap < horizon) throw new ArgumentOutOfRangeException(nameof(gap), gap, $"the gap must be at least the horizon ({horizon}) to avoid leakage");
        var lastTrainEnd = days - validationDays - gap;
        if (lastTrainEnd < minTrainDays) throw new ArgumentException($"{days} days are too few for {minTrainDays} training + {gap} gap + {validationDays} validation days", nameof(days));
        var step = folds == 1 ? 0 : (lastTrainEnd - minTrainDays) / (folds - 1);
        if (folds > 1 && step < 1) throw new ArgumentException($"{days} days are too few for {folds} distinct folds", nameof(folds));
        var result = new List<RollingOriginFold>(folds);
        for (var k = 0; k < folds; k++)
        {
            var trainEnd = folds == 1 ? lastTrainEnd : k == folds - 1 ? lastTrainEnd : minTrainDays + k * step;
            result.Add(new RollingOriginFold(k, new DayRange(0, trainEnd), new DayRange(trainEnd + gap, trainEnd + gap + validationDays)));
        }
        return result;
    }
}
