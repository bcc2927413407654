using NovaMind.Domain.Observations;

namespace NovaMind.Simulation;

/// <summary>One patient of <see cref="RegimeMoodSimulator"/>: what was emitted, by type and day (NaN where missing), and as observations.</summary>
public sealed record RegimeSimulatedPatient(int Index, DateOnly FirstDay, int Days, IReadOnlyDictionary<ObservationType, double[]> Daily,
    IReadOnlyList<Observation> Observations, int[] Regime);

/// <summary>
/// A second, structurally different symptom process, for validation only (issue 13): no model is trained or tuned on it.
/// Unlike <see cref="SymptomCohortSimulator"/> (linear-Gaussian latent state, sinusoidal week, lagged linear sleep/HRV
/// effects) it has three persistent mood regimes (euthymic, low, elevated) whose dynamics differ (stronger persistence when
/// low), heavy-tailed day-to-day shocks (Student t, 4 degrees of freedom), a weekend bump and for half the patients a Monday
/// dip instead of a smooth weekly wave, a threshold effect of short sleep (under 6 h: the next day's mood drops), PHQ-9
/// and GAD-7 as a saturating (logistic) function of mood rather than a linear one, and wearables that follow the regime.
/// There is no oracle: the better of the per-patient classical models is the reference. Deterministic per (seed, patient).
/// </summary>
public sealed class RegimeMoodSimulator(int seed)
{
    private static readonly double[] RegimeOffset = [0, -2.5, 1.5];
    private static readonly double[] RegimePersistence = [0.3, 0.75, 0.5];

    public IReadOnlyList<RegimeSimulatedPatient> Simulate(int patients, int days, DateOnly lastDay) =>
        [.. Enumerable.Range(0, patients).Select(i => SimulatePatient(i, days, lastDay))];

    public RegimeSimulatedPatient SimulatePatient(int index, int days, DateOnly lastDay)
    {
        var rng = new Random(unchecked(seed * 7_368_787 + index * 15_485_863 + 32_452_843));
        var firstDay = lastDay.AddDays(-(days - 1));
        var baseline = 4 + 3 * rng.NextDouble();
        var mondayDip = rng.NextDouble() < 0.5 ? 0.6 : 0.0;
        var weekendBump = 0.2 + 0.4 * rng.NextDouble();
        var anxietyOffset = -2 + 4 * rng.NextDouble();
        var shockScale = 0.45 + 0.3 * rng.NextDouble();
        var stay = 0.95 + 0.03 * rng.NextDouble();
        var sleepNeed = 6.6 + 1.2 * rng.NextDouble();

        var types = SymptomCohortSimulator.ObservationTypesEmitted;
        var daily = types.ToDictionary(t => t, _ => Enumerable.Repeat(double.NaN, days).ToArray());
        var observations = new List<Observation>(days * types.Count);
        var regimes = new int[days];
        var regime = 0;
        var deviation = 0.0;
        var lastSleep = sleepNeed;
        const int burnIn = 60;
        for (var i = -burnIn; i < days; i++)
        {
            if (rng.NextDouble() > stay) regime = regime != 0 ? 0 : rng.NextDouble() < 0.75 ? 1 : 2; // leave: back to euthymic, or mostly into a low spell
            deviation = RegimePersistence[regime] * deviation + shockScale * StudentT4(rng);
            var day = firstDay.AddDays(i);
            var weekday = day.DayOfWeek;
            var week = weekday is DayOfWeek.Saturday or DayOfWeek.Sunday ? weekendBump : weekday == DayOfWeek.Monday ? -mondayDip : 0;
            var shortSleep = lastSleep < 6 ? -0.8 : 0;
            var mood = baseline + RegimeOffset[regime] + deviation + week + shortSleep;
            var sleep = Math.Clamp(sleepNeed + 0.35 * (mood - baseline) - (regime == 1 ? 0.7 : 0) + 0.8 * Normal(rng), 2, 12);
            lastSleep = sleep;
            if (i < 0) continue;
            regimes[i] = regime;
            var phq9 = 27 / (1 + Math.Exp(0.9 * (mood - 3.8))) + 1.2 * Normal(rng);
            var gad7 = 21 / (1 + Math.Exp(0.8 * (mood - 3.5 - 0.4 * anxietyOffset))) + 1.0 * Normal(rng);
            var values = new Dictionary<ObservationType, double>
            {
                [ObservationType.Mood] = Math.Round(Math.Clamp(mood + 0.3 * Normal(rng), 0, 10), 1),
                [ObservationType.Phq9] = Math.Round(Math.Clamp(phq9, 0, 27)),
                [ObservationType.Gad7] = Math.Round(Math.Clamp(gad7, 0, 21)),
                [ObservationType.SleepHours] = Math.Round(sleep, 2),
                [ObservationType.HrvMs] = Math.Round(Math.Clamp(52 - (regime == 1 ? 6 : 0) + 2 * (sleep - sleepNeed) + 5 * Normal(rng), 5, 150), 1),
                [ObservationType.RestingHr] = Math.Round(Math.Clamp(63 + (regime == 1 ? 4 : 0) - (regime == 2 ? 2 : 0) + 2.5 * Normal(rng), 35, 120), 1),
                [ObservationType.Steps] = Math.Round(Math.Max(0, 7000 + 1200 * (mood - baseline) + (regime == 2 ? 2500 : 0) + 1800 * Normal(rng))),
            };
            var midnight = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            foreach (var type in types)
            {
                var missing = type.Category == ObservationCategory.Symptom ? 0.12 + (regime == 1 ? 0.08 : 0) : 0.05;
                if (rng.NextDouble() < missing) continue;
                daily[type][i] = values[type];
                observations.Add(new Observation(midnight + SymptomCohortSimulator.ReadingTime(type), type, values[type]));
            }
        }
        return new RegimeSimulatedPatient(index, firstDay, days, daily, observations, regimes);
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Student t with 4 degrees of freedom, scaled to unit variance.</summary>
    private static double StudentT4(Random rng)
    {
        var chi2 = 0.0;
        for (var k = 0; k < 4; k++)
        {
            var z = Normal(rng);
            chi2 += z * z;
        }
        return Normal(rng) / Math.Sqrt(chi2 / 4) / Math.Sqrt(2);
    }
}
