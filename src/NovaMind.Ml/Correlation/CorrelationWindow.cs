using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;

namespace NovaMind.Ml.Correlation;

/// <summary>
/// One model input: <c>Days</c> days × <see cref="CorrelationWindow.Modalities"/> (day-major: index = day·M + modality),
/// scaled values and observed masks (1 = the day had a reading). The last day is the day before the predicted one.
/// </summary>
public sealed record CorrelationWindowInput(string Symptom, float[] Values, float[] Mask);

/// <param name="NextDaySymptom">Predicted symptom on the day after the window, in the symptom's own units (clamped to its range).</param>
/// <param name="TemporalImportance">Temporal attention per input day, oldest first (length W, sums to 1); the last entry is lag 1.</param>
/// <param name="ModalityImportance">Attention per modality (biometric names and "symptom_history"), summing to 1.</param>
public sealed record CorrelationWindowOutput(
    double NextDaySymptom,
    double[] TemporalImportance,
    IReadOnlyDictionary<string, double> ModalityImportance);

/// <summary>Builds model inputs from observations (daily UTC means, as the lag-correlation engine uses).</summary>
public static class CorrelationWindow
{
    public const string SymptomHistory = "symptom_history";

    /// <summary>The biometrics, in input order; the symptom's own history is the last modality.</summary>
    public static IReadOnlyList<ObservationType> Biometrics { get; } =
        [ObservationType.SleepHours, ObservationType.HrvMs, ObservationType.RestingHr, ObservationType.Steps];

    public static IReadOnlyList<string> Modalities { get; } = [.. Biometrics.Select(b => b.Name), SymptomHistory];

    /// <summary>Scaled values beyond this many SDs are clipped (one wild reading should not dominate a window).</summary>
    public const float Clip = 5f;

    /// <summary>
    /// The <paramref name="days"/> days ending on <paramref name="endDay"/>. Biometrics are standardised within the window
    /// (mean and SD of its observed days), so the model sees each patient's deviations from their own recent level, not
    /// their baseline; missing days are 0 with mask 0. The symptom is scaled globally, (v − center)/scale, keeping its
    /// level, and forward-filled (back-filled before the first reading) with mask 0 on the filled days.
    /// </summary>
    public static CorrelationWindowInput Build(IReadOnlyCollection<Observation> observations, ObservationType symptom, DateOnly endDay,
        int days, double symptomCenter, double symptomScale)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (symptom.Category != ObservationCategory.Symptom) throw new ArgumentException($"{symptom.Name} is not a symptom", nameof(symptom));
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 2);
        if (!(symptomScale > 0)) throw new ArgumentOutOfRangeException(nameof(symptomScale));
        var m = Modalities.Count;
        var values = new float[days * m];
        var mask = new float[days * m];
        for (var b = 0; b < Biometrics.Count; b++)
        {
            var series = DailySeries.Build(observations, Biometrics[b], endDay, days);
            double sum = 0, sumSq = 0;
            var n = 0;
            for (var d = 0; d < days; d++)
            {
                if (!series.Observed[d]) continue;
                sum += series.Values[d];
                n++;
            }
            if (n == 0) continue;
            var mean = sum / n;
            for (var d = 0; d < days; d++)
                if (series.Observed[d]) sumSq += (series.Values[d] - mean) * (series.Values[d] - mean);
            var sd = n > 1 ? Math.Sqrt(sumSq / (n - 1)) : 0;
            for (var d = 0; d < days; d++)
            {
                if (!series.Observed[d]) continue;
                values[d * m + b] = sd > 1e-9 ? Math.Clamp((float)((series.Values[d] - mean) / sd), -Clip, Clip) : 0f;
                mask[d * m + b] = 1f;
            }
        }
        var symptomSeries = DailySeries.Build(observations, symptom, endDay, days);
        var filled = symptomSeries.ForwardFilled();
        var first = Array.IndexOf(symptomSeries.Observed, true);
        for (var d = 0; d < days; d++)
        {
            var i = d * m + m - 1;
            if (first < 0) break;
            var v = d < first ? symptomSeries.Values[first] : filled[d];
            values[i] = Math.Clamp((float)((v - symptomCenter) / symptomScale), -Clip, Clip);
            mask[i] = symptomSeries.Observed[d] ? 1f : 0f;
        }
        return new CorrelationWindowInput(symptom.Name, values, mask);
    }
}
