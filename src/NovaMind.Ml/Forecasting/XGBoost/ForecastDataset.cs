using NovaMind.Domain.Observations;

namespace NovaMind.Ml.Forecasting;

/// <summary>One patient's input to <see cref="ForecastDataset.Build"/>.</summary>
public sealed record ForecastPatient(int Id, IReadOnlyList<Observation> Observations, IReadOnlyList<DateOnly>? MedicationStarts = null);

/// <summary>
/// Forecast origins cut from patients: a row per (patient, origin day t) with the <see cref="ForecastFeatures"/>
/// vector and the targets for horizons 1 … <see cref="MaxHorizon"/> (NaN where day t+h has no reading; such
/// cells are left out of that horizon's training and scoring).
/// </summary>
/// <remarks>
/// An origin qualifies when the symptom was observed on t and on at least
/// <see cref="NovaMind.Domain.Forecasting.ForecastHistory.MinimumObservedDays"/> of the 28 days ending on t, and
/// t+1 is not after the patient's last symptom day (otherwise no target could exist); the same rule as serving,
/// which forecasts from the last observed day.
/// </remarks>
public sealed class ForecastDataset
{
    private ForecastDataset(int maxHorizon, float[] features, float[] targets, DateOnly[] origins, int[] patients)
    {
        MaxHorizon = maxHorizon;
        Features = features;
        Targets = targets;
        Origins = origins;
        Patients = patients;
    }

    public int MaxHorizon { get; }
    public int FeatureCount => ForecastFeatures.Count;
    public int Rows => Origins.Length;

    /// <summary>Row-major <c>Rows × FeatureCount</c>.</summary>
    public float[] Features { get; }

    /// <summary>Row-major <c>Rows × MaxHorizon</c>; column h−1 is horizon h.</summary>
    public float[] Targets { get; }

    public DateOnly[] Origins { get; }
    public int[] Patients { get; }

    public ReadOnlySpan<float> FeatureRow(int row) => Features.AsSpan(row * FeatureCount, FeatureCount);

    public float Target(int row, int horizon) => Targets[row * MaxHorizon + horizon - 1];

    /// <param name="patients">Patients and their observations.</param>
    /// <param name="symptom">The symptom to forecast.</param>
    /// <param name="maxHorizon">H: targets for 1 … H days ahead (1 … 28).</param>
    /// <param name="stride">Take every <paramref name="stride"/>-th qualifying day as an origin (1 = all).</param>
    public static ForecastDataset Build(IEnumerable<ForecastPatient> patients, ObservationType symptom, int maxHorizon, int stride = 1)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHorizon, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxHorizon, 28);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        var features = new List<float>();
        var targets = new List<float>();
        var origins = new List<DateOnly>();
        var ids = new List<int>();
        var row = new float[ForecastFeatures.Count];
        foreach (var patient in patients)
        {
            var f = new ForecastFeatures(patient.Observations, symptom, patient.MedicationStarts);
            if (f.FirstSymptomDay is not { } first || f.LastSymptomDay is not { } last) continue;
            var taken = 0;
            for (var t = first; t < last; t = t.AddDays(1))
            {
                if (!f.IsObserved(t) || f.ObservedDaysInLast28(t) < Domain.Forecasting.ForecastHistory.MinimumObservedDays) continue;
                if (taken++ % stride != 0) continue;
                f.Compute(t, row);
                features.AddRange(row);
                for (var h = 1; h <= maxHorizon; h++) targets.Add(f.Target(t, h));
                origins.Add(t);
                ids.Add(patient.Id);
            }
        }
        return new ForecastDataset(maxHorizon, [.. features], [.. targets], [.. origins], [.. ids]);
    }

    /// <summary>The rows of patients for which <paramref name="include"/> holds.</summary>
    public int[] RowsOfPatients(Func<int, bool> include) =>
        [.. Enumerable.Range(0, Rows).Where(r => include(Patients[r]))];

    /// <summary>Dense features and observed targets of horizon <paramref name="horizon"/> for <paramref name="rows"/> (rows with a missing target dropped).</summary>
    internal (float[] X, float[] Y, int Count) Slice(IReadOnlyList<int> rows, int horizon)
    {
        var x = new List<float>(rows.Count * FeatureCount);
        var y = new List<float>(rows.Count);
        foreach (var r in rows)
        {
            var target = Target(r, horizon);
            if (float.IsNaN(target)) continue;
            x.AddRange(FeatureRow(r));
            y.Add(target);
        }
        return ([.. x], [.. y], y.Count);
    }
}
