using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;

namespace NovaMind.Ml.Forecasting;

/// <summary>
/// One forecast origin for <see cref="TransformerForecaster"/>: the encoder history (the last <c>W</c> days up to and
/// including the origin t), the decoder's calendar inputs for horizons 1..H and, for training and scoring only, the
/// teacher-forcing inputs and targets.
/// </summary>
/// <remarks>
/// <para>Encoder features per day (<see cref="SequenceWindowBuilder.EncoderFeatures"/>): the symptom, robust-normalised
/// with a per-patient <see cref="RobustScaler"/> fitted on observed days ≤ t, carried forward over gaps (0 = the median
/// before the first reading), and its mask; sleep_hours, hrv_ms and the two companion symptoms (co1, co2: the other two of mood, phq9, gad7)
/// likewise (each with its own scaler fitted on ≤ t) with masks; day-of-week sin/cos. Days before the patient's data are zeros with mask 0.</para>
/// <para>Decoder features per horizon h (<see cref="SequenceWindowBuilder.DecoderFeatures"/>): the previous value
/// (normalised; h = 1: the last observed value at t) and the day-of-week sin/cos of day t+h. During training the previous
/// value is <see cref="TeacherInputs"/> (the true value of day t+h−1, carried forward over gaps): teacher forcing. At
/// inference the model feeds its own prediction instead and never reads <see cref="TeacherInputs"/> or <see cref="Targets"/>.</para>
/// </remarks>
public sealed record SequenceWindow(
    int Patient,
    DateOnly Origin,
    float[] Encoder,
    float[] DecoderCalendar,
    float LastValue,
    float[] TeacherInputs,
    float[] Targets,
    float[] TargetMask,
    RobustScaler Scaler)
{
    public int Window => Encoder.Length / SequenceWindowBuilder.EncoderFeatures.Count;
    public int Horizon => Targets.Length;

    /// <summary>A copy with other future values (teacher inputs and targets): for tests that inference never reads them.</summary>
    public SequenceWindow WithFuture(float[] teacherInputs, float[] targets) => this with { TeacherInputs = teacherInputs, Targets = targets };
}

/// <summary>
/// Cuts <see cref="SequenceWindow"/>s from one patient's observations. The daily grids are built once; every
/// encoder input and every scaler for origin t reads only days ≤ t (tests plant spikes after t to check).
/// </summary>
public sealed class SequenceWindowBuilder
{
    public const int DefaultWindow = 56;
    public const int DefaultHorizon = 14;
    public const int MaxHorizon = 28;

    /// <summary>Minimum observed symptom days in the encoder window for an origin to qualify.</summary>
    public const int MinimumObservedDays = 14;

    public static IReadOnlyList<ObservationType> Biometrics { get; } = [ObservationType.SleepHours, ObservationType.HrvMs];

    /// <summary>
    /// Per day: the symptom and its mask, then each covariate (<see cref="Biometrics"/>, then the two companion symptoms
    /// <see cref="ForecastFeatures.Companions"/> as co1/co2) and its mask, then the calendar.
    /// </summary>
    public static IReadOnlyList<string> EncoderFeatures { get; } =
        ["y", "y_mask", "sleep_hours", "sleep_hours_mask", "hrv_ms", "hrv_ms_mask", "co1", "co1_mask", "co2", "co2_mask", "dow_sin", "dow_cos"];

    public static IReadOnlyList<string> DecoderFeatures { get; } = ["y_prev", "dow_sin", "dow_cos"];

    private readonly int _patient;
    private readonly DateOnly _start;
    private readonly DailySeries? _symptom;
    private readonly DailySeries?[] _covariates;

    public SequenceWindowBuilder(int patient, IEnumerable<Observation> observations, ObservationType symptom, int window = DefaultWindow, int horizon = DefaultHorizon)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(horizon, MaxHorizon);
        var list = observations as IReadOnlyCollection<Observation> ?? observations.ToList();
        _patient = patient;
        Symptom = symptom;
        Window = window;
        Horizon = horizon;
        ObservationType[] covariates = [.. Biometrics, .. ForecastFeatures.Companions(symptom)];
        _covariates = new DailySeries?[covariates.Length];
        if (list.Count == 0) return;
        var first = list.Min(o => DateOnly.FromDateTime(o.Time.UtcDateTime));
        var last = list.Max(o => DateOnly.FromDateTime(o.Time.UtcDateTime));
        _start = first;
        var days = last.DayNumber - first.DayNumber + 1;
        _symptom = DailySeries.Build(list, symptom, last, days);
        for (var b = 0; b < covariates.Length; b++) _covariates[b] = DailySeries.Build(list, covariates[b], last, days);
    }

    public ObservationType Symptom { get; }
    public int Window { get; }
    public int Horizon { get; }

    /// <summary>Origins t with the symptom observed on t, ≥ <see cref="MinimumObservedDays"/> observed days in the window, and t+1 on the grid.</summary>
    public IEnumerable<DateOnly> Origins(int stride = 1)
    {
        if (_symptom is null) yield break;
        var taken = 0;
        for (var i = 0; i < _symptom.Days - 1; i++)
        {
            if (!_symptom.Observed[i]) continue;
            var observed = 0;
            for (var k = Math.Max(0, i - Window + 1); k <= i; k++) if (_symptom.Observed[k]) observed++;
            if (observed < MinimumObservedDays) continue;
            if (taken++ % stride == 0) yield return _start.AddDays(i);
        }
    }

    /// <summary>The window for origin <paramref name="origin"/>, or null when the symptom has no reading on or before it.</summary>
    public SequenceWindow? Build(DateOnly origin)
    {
        if (_symptom is null) return null;
        var t = origin.DayNumber - _start.DayNumber;
        if (t < 0) return null;
        var scaler = FitUpTo(_symptom, t);
        if (scaler is null) return null;
        var w = Window;
        var fe = EncoderFeatures.Count;
        var encoder = new float[w * fe];
        var y = FilledUpTo(_symptom, t, scaler);
        var bio = new (float[] Values, float[] Mask)[_covariates.Length];
        for (var b = 0; b < _covariates.Length; b++)
            bio[b] = FilledUpTo(_covariates[b]!, t, FitUpTo(_covariates[b]!, t) ?? RobustScaler.Identity);
        for (var k = 0; k < w; k++)
        {
            var day = t - (w - 1 - k);
            var row = encoder.AsSpan(k * fe, fe);
            (row[fe - 2], row[fe - 1]) = Calendar(origin.AddDays(k - (w - 1)));
            if (day < 0) continue;
            row[0] = y.Values[day];
            row[1] = y.Mask[day];
            for (var b = 0; b < bio.Length; b++)
            {
                row[2 + 2 * b] = bio[b].Values[day];
                row[3 + 2 * b] = bio[b].Mask[day];
            }
        }

        var h = Horizon;
        var calendar = new float[h * 2];
        var teacher = new float[h];
        var targets = new float[h];
        var mask = new float[h];
        var last = y.Values[t];
        var carry = last;
        for (var k = 1; k <= h; k++)
        {
            (calendar[(k - 1) * 2], calendar[(k - 1) * 2 + 1]) = Calendar(origin.AddDays(k));
            teacher[k - 1] = carry;
            var day = t + k;
            if (day < _symptom.Days && _symptom.Observed[day])
            {
                targets[k - 1] = (float)scaler.Normalise(_symptom.Values[day]);
                mask[k - 1] = 1;
                carry = targets[k - 1];
            }
        }
        return new SequenceWindow(_patient, origin, encoder, calendar, last, teacher, targets, mask, scaler);
    }

    /// <summary>Windows for the qualifying origins of every patient (every <paramref name="stride"/>-th origin).</summary>
    public static List<SequenceWindow> BuildAll(IEnumerable<(int Id, IReadOnlyList<Observation> Observations)> patients, ObservationType symptom,
        int window = DefaultWindow, int horizon = DefaultHorizon, int stride = 1)
    {
        var result = new List<SequenceWindow>();
        foreach (var (id, observations) in patients)
        {
            var builder = new SequenceWindowBuilder(id, observations, symptom, window, horizon);
            foreach (var origin in builder.Origins(stride))
                if (builder.Build(origin) is { } w) result.Add(w);
        }
        return result;
    }

    /// <summary>Day-of-week on the unit circle (Monday = 0).</summary>
    public static (float Sin, float Cos) Calendar(DateOnly day)
    {
        var dow = ((int)day.DayOfWeek + 6) % 7;
        return ((float)Math.Sin(2 * Math.PI * dow / 7), (float)Math.Cos(2 * Math.PI * dow / 7));
    }

    private static RobustScaler? FitUpTo(DailySeries series, int t)
    {
        var end = Math.Min(t + 1, series.Days);
        var any = false;
        for (var i = 0; i < end && !any; i++) any = series.Observed[i];
        return any ? RobustScaler.Fit(series, new DayRange(0, end)) : null;
    }

    /// <summary>Normalised values carried forward over gaps (0 before the first reading) and masks, for days 0..t only.</summary>
    private static (float[] Values, float[] Mask) FilledUpTo(DailySeries series, int t, RobustScaler scaler)
    {
        var n = Math.Min(t + 1, series.Days);
        var values = new float[t + 1];
        var mask = new float[t + 1];
        float carry = 0;
        for (var i = 0; i <= t; i++)
        {
            if (i < n && series.Observed[i])
            {
                carry = (float)scaler.Normalise(series.Values[i]);
                mask[i] = 1;
            }
            values[i] = carry;
        }
        return (values, mask);
    }
}
