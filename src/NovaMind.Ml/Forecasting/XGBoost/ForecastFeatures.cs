using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;

namespace NovaMind.Ml.Forecasting;

/// <summary>
/// Sliding-window features for gradient-boosted forecasting of one symptom of one patient, at a forecast origin
/// day t (the last day whose data may be used). Every feature reads only days ≤ t, so a model trained on them
/// cannot see the future; missing values are <see cref="float.NaN"/> (XGBoost learns a default branch for them).
/// </summary>
/// <remarks>
/// <para>Feature layout (<see cref="Names"/>, <see cref="Count"/> = 61), all on the UTC daily grid of
/// <see cref="NovaMind.Domain.Forecasting.DailySeries"/> (a day's value is the mean of its readings):</para>
/// <list type="bullet">
/// <item><c>y_t-0</c> … <c>y_t-13</c>: the symptom on days t … t−13, i.e. lags 1 … 14 counted back from the first
/// forecast day t+1 (NaN where the day had no reading).</item>
/// <item><c>y_mean7/sd7/min7/max7</c>, <c>y_mean28/sd28/min28/max28</c>: over the observed days of t−6…t and
/// t−27…t (population sd; NaN with fewer than 2 observed days, the others NaN with none).</item>
/// <item><c>y_days_since_last</c> (t − last observed day ≤ t), <c>y_observed_frac28</c>, <c>y_level_median</c>
/// (median of every observed day ≤ t: the patient's robust level).</item>
/// <item><c>next_dow</c> (0 = Monday … 6 = Sunday) and <c>next_dow_sin/cos</c> of day t+1. The day of week of
/// the target t+h is not a separate feature: the direct strategy trains one booster per h, and for a fixed h the
/// target's day of week is a fixed shift of t+1's, so each booster learns its own weekday effect from these.</item>
/// <item>For sleep_hours, hrv_ms, resting_hr, steps: <c>{type}_t-0</c> … <c>{type}_t-3</c> and <c>{type}_mean7</c>.</item>
/// <item><c>days_since_medication_change</c>: t − the latest medication start ≤ t, NaN when none is known (the
/// observation stream carries no medication events yet; callers pass start dates when they have them).</item>
/// <item>For the two companion symptoms (<see cref="Companions"/>: the other two of mood, phq9, gad7 in that order,
/// named <c>co1</c>, <c>co2</c> so the layout is the same for every target): <c>co{k}_t-0</c> … <c>co{k}_t-3</c>,
/// <c>co{k}_mean7</c> and <c>co{k}_mean28</c>. The three scores measure one underlying severity with independent
/// noise, so the companions carry information about the target's state that its own noisy readings lack.</item>
/// </list>
/// <para>Build once per patient (the constructor puts every stream on a daily grid), then call
/// <see cref="Compute(DateOnly)"/> for each origin. Immutable after construction, so thread-safe.</para>
/// </remarks>
public sealed class ForecastFeatures
{
    /// <summary>Symptom lags (days t … t−13).</summary>
    public const int SymptomLags = 14;

    /// <summary>Biometric lags (days t … t−3).</summary>
    public const int BiometricLags = 4;

    /// <summary>Companion-symptom lags (days t … t−3).</summary>
    public const int CompanionLags = 4;

    /// <summary>The other two forecast symptoms, in <see cref="ForecastHistory.Symptoms"/> order: inputs when forecasting <paramref name="symptom"/>.</summary>
    public static IReadOnlyList<ObservationType> Companions(ObservationType symptom) => [.. ForecastHistory.Symptoms.Where(s => s != symptom).Take(2)];

    /// <summary>Biometric streams used as exogenous inputs, in feature order.</summary>
    public static IReadOnlyList<ObservationType> Biometrics { get; } =
        [ObservationType.SleepHours, ObservationType.HrvMs, ObservationType.RestingHr, ObservationType.Steps];

    /// <summary>Feature names, in vector order (stable: models store them and check on load).</summary>
    public static IReadOnlyList<string> Names { get; } = BuildNames();

    public static int Count => Names.Count;

    private readonly DailyGrid _symptom;
    private readonly DailyGrid[] _biometrics;
    private readonly DailyGrid[] _companions;
    private readonly DateOnly[] _medicationStarts;

    public ForecastFeatures(IEnumerable<Observation> observations, ObservationType symptom, IReadOnlyList<DateOnly>? medicationStarts = null)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(symptom);
        var list = observations as IReadOnlyCollection<Observation> ?? observations.ToList();
        Symptom = symptom;
        _symptom = new DailyGrid(list, symptom);
        _biometrics = [.. Biometrics.Select(b => new DailyGrid(list, b))];
        _companions = [.. Companions(symptom).Select(c => new DailyGrid(list, c))];
        _medicationStarts = medicationStarts is null ? [] : [.. medicationStarts.Order()];
    }

    public ObservationType Symptom { get; }

    /// <summary>First and last day with a symptom reading, or null when there is none.</summary>
    public DateOnly? FirstSymptomDay => _symptom.FirstObserved;
    public DateOnly? LastSymptomDay => _symptom.LastObserved;

    /// <summary>The one-shot form: builds the grids and computes one vector.</summary>
    public static float[] Compute(IEnumerable<Observation> observations, ObservationType symptom, DateOnly origin, IReadOnlyList<DateOnly>? medicationStarts = null) =>
        new ForecastFeatures(observations, symptom, medicationStarts).Compute(origin);

    public float[] Compute(DateOnly origin)
    {
        var features = new float[Count];
        Compute(origin, features);
        return features;
    }

    /// <summary>Writes the <see cref="Count"/> features for origin <paramref name="origin"/> into <paramref name="destination"/>.</summary>
    public void Compute(DateOnly origin, Span<float> destination)
    {
        if (destination.Length < Count) throw new ArgumentException($"need room for {Count} features", nameof(destination));
        var f = 0;
        for (var lag = 0; lag < SymptomLags; lag++) destination[f++] = _symptom.At(origin.AddDays(-lag));
        foreach (var window in (ReadOnlySpan<int>)[7, 28])
        {
            var (mean, sd, min, max, _) = _symptom.Window(origin, window);
            destination[f++] = mean;
            destination[f++] = sd;
            destination[f++] = min;
            destination[f++] = max;
        }
        destination[f++] = _symptom.LastObservedOnOrBefore(origin) is { } last ? origin.DayNumber - last.DayNumber : float.NaN;
        destination[f++] = _symptom.Window(origin, 28).Observed / 28f;
        destination[f++] = _symptom.MedianUpTo(origin);

        var next = origin.AddDays(1);
        var dow = ((int)next.DayOfWeek + 6) % 7; // Monday = 0
        destination[f++] = dow;
        destination[f++] = (float)Math.Sin(2 * Math.PI * dow / 7);
        destination[f++] = (float)Math.Cos(2 * Math.PI * dow / 7);

        foreach (var grid in _biometrics)
        {
            for (var lag = 0; lag < BiometricLags; lag++) destination[f++] = grid.At(origin.AddDays(-lag));
            destination[f++] = grid.Window(origin, 7).Mean;
        }

        destination[f++] = DaysSinceMedicationChange(origin);

        foreach (var grid in _companions)
        {
            for (var lag = 0; lag < CompanionLags; lag++) destination[f++] = grid.At(origin.AddDays(-lag));
            destination[f++] = grid.Window(origin, 7).Mean;
            destination[f++] = grid.Window(origin, 28).Mean;
        }
    }

    /// <summary>The training target for horizon <paramref name="horizon"/>: the symptom's daily mean on origin + h, or NaN when that day has no reading.</summary>
    public float Target(DateOnly origin, int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        return _symptom.At(origin.AddDays(horizon));
    }

    /// <summary>Whether the symptom was observed on <paramref name="day"/>.</summary>
    public bool IsObserved(DateOnly day) => !float.IsNaN(_symptom.At(day));

    /// <summary>Observed symptom days in the 28 days ending on <paramref name="origin"/>.</summary>
    public int ObservedDaysInLast28(DateOnly origin) => _symptom.Window(origin, 28).Observed;

    private float DaysSinceMedicationChange(DateOnly origin)
    {
        for (var i = _medicationStarts.Length - 1; i >= 0; i--)
            if (_medicationStarts[i] <= origin) return origin.DayNumber - _medicationStarts[i].DayNumber;
        return float.NaN;
    }

    private static List<string> BuildNames()
    {
        var names = new List<string>();
        for (var lag = 0; lag < SymptomLags; lag++) names.Add($"y_t-{lag}");
        foreach (var w in new[] { 7, 28 })
            names.AddRange([$"y_mean{w}", $"y_sd{w}", $"y_min{w}", $"y_max{w}"]);
        names.AddRange(["y_days_since_last", "y_observed_frac28", "y_level_median", "next_dow", "next_dow_sin", "next_dow_cos"]);
        foreach (var b in Biometrics)
        {
            for (var lag = 0; lag < BiometricLags; lag++) names.Add($"{b.Name}_t-{lag}");
            names.Add($"{b.Name}_mean7");
        }
        names.Add("days_since_medication_change");
        for (var k = 1; k <= 2; k++)
        {
            for (var lag = 0; lag < CompanionLags; lag++) names.Add($"co{k}_t-{lag}");
            names.AddRange([$"co{k}_mean7", $"co{k}_mean28"]);
        }
        return names;
    }

    /// <summary>One stream's daily means (NaN = no reading) over the days it spans.</summary>
    private sealed class DailyGrid
    {
        private readonly DateOnly _start;
        private readonly float[] _values;

        public DailyGrid(IEnumerable<Observation> observations, ObservationType type)
        {
            var sums = new Dictionary<int, (double Sum, int Count)>();
            foreach (var o in observations)
            {
                if (o.Type != type) continue;
                var day = DateOnly.FromDateTime(o.Time.UtcDateTime).DayNumber;
                sums[day] = sums.TryGetValue(day, out var s) ? (s.Sum + o.Value, s.Count + 1) : (o.Value, 1);
            }
            if (sums.Count == 0)
            {
                _values = [];
                return;
            }
            var first = sums.Keys.Min();
            var last = sums.Keys.Max();
            _start = DateOnly.FromDayNumber(first);
            _values = new float[last - first + 1];
            Array.Fill(_values, float.NaN);
            foreach (var (day, s) in sums) _values[day - first] = (float)(s.Sum / s.Count);
            FirstObserved = _start;
            LastObserved = DateOnly.FromDayNumber(last);
        }

        public DateOnly? FirstObserved { get; }
        public DateOnly? LastObserved { get; }

        public float At(DateOnly day)
        {
            var i = day.DayNumber - _start.DayNumber;
            return i >= 0 && i < _values.Length ? _values[i] : float.NaN;
        }

        /// <summary>Statistics of the observed days among the <paramref name="days"/> days ending on <paramref name="end"/>.</summary>
        public (float Mean, float Sd, float Min, float Max, int Observed) Window(DateOnly end, int days)
        {
            double sum = 0, sumSq = 0;
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            var n = 0;
            for (var k = 0; k < days; k++)
            {
                var v = At(end.AddDays(-k));
                if (float.IsNaN(v)) continue;
                n++;
                sum += v;
                sumSq += (double)v * v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            if (n == 0) return (float.NaN, float.NaN, float.NaN, float.NaN, 0);
            var mean = sum / n;
            var sd = n < 2 ? float.NaN : (float)Math.Sqrt(Math.Max(0, sumSq / n - mean * mean));
            return ((float)mean, sd, min, max, n);
        }

        public DateOnly? LastObservedOnOrBefore(DateOnly day)
        {
            var i = Math.Min(day.DayNumber - _start.DayNumber, _values.Length - 1);
            for (; i >= 0; i--)
                if (!float.IsNaN(_values[i])) return _start.AddDays(i);
            return null;
        }

        public float MedianUpTo(DateOnly day)
        {
            var end = Math.Min(day.DayNumber - _start.DayNumber, _values.Length - 1);
            if (end < 0) return float.NaN;
            var observed = new List<float>(end + 1);
            for (var i = 0; i <= end; i++)
                if (!float.IsNaN(_values[i])) observed.Add(_values[i]);
            if (observed.Count == 0) return float.NaN;
            observed.Sort();
            var mid = observed.Count / 2;
            return observed.Count % 2 == 1 ? observed[mid] : (observed[mid - 1] + observed[mid]) / 2;
        }
    }
}
