using NovaMind.Domain.Observations;

namespace NovaMind.Simulation;

public sealed record SimulatedPatient(int Index, IReadOnlyList<Observation> Observations, double MoodBaseline);

/// <summary>
/// Deterministic synthetic cohort (for demos and model training; no real patient data anywhere).
/// Generative model per patient and day t (documented in docs/simulator.md):
///   sleep_t  = 7 + 0.5·(sleep_{t−1} − 7) + N(0, 0.9)                       (hours, clamped 3..11)
///   hrv_t    = b_hrv + 0.6·(hrv_{t−1} − b_hrv) + N(0, 6)
///   mood_t   = b + 0.65·(mood_{t−1} − b) + 0.35·(sleep_{t−1} − 7) + 0.04·(hrv_{t−2} − b_hrv)
///              + 0.4·weekend_t + N(0, 0.55)                                  (0..10)
///   phq9 weekly ≈ 2.6·(10 − mood_t) − 2 + N(0, 1.5);  gad7 weekly ≈ 0.7·phq9 + N(0, 1.2)
///   resting_hr ≈ 62 − 0.15·(hrv_t − b_hrv) + N(0, 2);  steps ≈ 4000 + 700·mood_t + N(0, 1500)
/// Each day's phone readings are missing with probability 8%, more (up to 25%) on low-mood days.
/// </summary>
public sealed class CohortSimulator(int seed)
{
    public IReadOnlyList<SimulatedPatient> Simulate(int patients, int days, DateOnly lastDay)
    {
        var cohort = new List<SimulatedPatient>(patients);
        for (var p = 0; p < patients; p++)
            cohort.Add(SimulatePatient(p, days, lastDay));
        return cohort;
    }

    public SimulatedPatient SimulatePatient(int index, int days, DateOnly lastDay)
    {
        // HashCode.Combine is randomised per process; the simulator must be reproducible across runs.
        var rng = new Random(unchecked(seed * 1_000_003 + index * 7919 + 17));
        var baseline = 3.5 + 4 * rng.NextDouble();
        var hrvBaseline = 35 + 40 * rng.NextDouble();
        var start = lastDay.AddDays(-(days - 1));
        var obs = new List<Observation>(days * 6);
        double sleepPrev = 7, mood = baseline, hrvPrev = hrvBaseline, hrvPrev2 = hrvBaseline;
        for (var d = 0; d < days; d++)
        {
            var date = start.AddDays(d);
            var weekend = date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1.0 : 0.0;
            var sleep = Math.Clamp(7 + 0.5 * (sleepPrev - 7) + Normal(rng, 0.9), 3, 11);
            var hrv = Math.Clamp(hrvBaseline + 0.6 * (hrvPrev - hrvBaseline) + Normal(rng, 6), 10, 200);
            mood = Math.Clamp(baseline + 0.65 * (mood - baseline) + 0.35 * (sleepPrev - 7) + 0.04 * (hrvPrev2 - hrvBaseline)
                              + 0.4 * weekend + Normal(rng, 0.55), 0, 10);
            var missingProbability = Math.Min(0.25, 0.08 + 0.03 * Math.Max(0, 5 - mood));
            var morning = new DateTimeOffset(date.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero);
            if (rng.NextDouble() >= missingProbability)
            {
                obs.Add(new(morning, ObservationType.Mood, Math.Round(mood, 1)));
                obs.Add(new(morning.AddMinutes(-60), ObservationType.SleepHours, Math.Round(sleep, 2)));
                obs.Add(new(morning.AddMinutes(-30), ObservationType.HrvMs, Math.Round(hrv, 1)));
                obs.Add(new(morning.AddMinutes(-30), ObservationType.RestingHr, Math.Round(Math.Clamp(62 - 0.15 * (hrv - hrvBaseline) + Normal(rng, 2), 40, 120))));
                obs.Add(new(morning.AddHours(14), ObservationType.Steps, Math.Round(Math.Clamp(4000 + 700 * mood + Normal(rng, 1500), 0, 40000))));
            }
            if (date.DayOfWeek == DayOfWeek.Monday)
            {
                var phq9 = Math.Clamp(Math.Round(2.6 * (10 - mood) - 2 + Normal(rng, 1.5)), 0, 27);
                obs.Add(new(morning.AddHours(1), ObservationType.Phq9, phq9));
                obs.Add(new(morning.AddHours(1), ObservationType.Gad7, Math.Clamp(Math.Round(0.7 * phq9 + Normal(rng, 1.2)), 0, 21)));
            }
            sleepPrev = sleep;
            hrvPrev2 = hrvPrev;
            hrvPrev = hrv;
        }
        return new SimulatedPatient(index, obs, baseline);
    }

    private static double Normal(Random rng, double sd)
    {
        // Box–Muller; 1 − U keeps the logarithm finite.
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
