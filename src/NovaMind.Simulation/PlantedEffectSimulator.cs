using NovaMind.Domain.Observations;

namespace NovaMind.Simulation;

/// <summary>The one lagged effect planted in a patient: <see cref="Symptom"/> on day t has correlation
/// <see cref="Correlation"/> with <see cref="Biometric"/> on day t − <see cref="LagDays"/> (before mapping to the
/// types' ranges, rounding and clipping, which attenuate it very little; docs/simulator.md).</summary>
public sealed record PlantedEffect(ObservationType Biometric, ObservationType Symptom, int LagDays, double Correlation);

public sealed record PlantedEffectPatient(int Index, IReadOnlyList<Observation> Observations, PlantedEffect Effect, DateOnly LastDay);

public sealed record PlantedEffectOptions
{
    public int Days { get; init; } = 180;

    /// <summary>Planted lags are drawn uniformly from <see cref="MinLag"/>..<see cref="MaxLag"/>.</summary>
    public int MinLag { get; init; }

    public int MaxLag { get; init; } = 7;

    /// <summary>|r| of the planted effect; its sign is drawn per patient when <see cref="RandomSign"/>.</summary>
    public double Correlation { get; init; } = 0.4;

    public bool RandomSign { get; init; } = true;

    /// <summary>Daily symptom series to emit; the planted one is drawn from these, the rest are pure noise.</summary>
    public IReadOnlyList<ObservationType> Symptoms { get; init; } = [ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7];

    /// <summary>The planted biometric is drawn from these (all four biometrics are always emitted).</summary>
    public IReadOnlyList<ObservationType> PlantedBiometrics { get; init; } = Biometrics;

    /// <summary>Probability that a day's readings are all missing (completely at random).</summary>
    public double MissingProbability { get; init; }

    public static IReadOnlyList<ObservationType> Biometrics { get; } =
        [ObservationType.SleepHours, ObservationType.HrvMs, ObservationType.RestingHr, ObservationType.Steps];
}

/// <summary>
/// Patients with exactly one known lagged biometric → symptom effect, for validating correlation discovery
/// (docs/simulator.md, "Planted-effect simulator"). Unlike <see cref="CohortSimulator"/>, every series is white noise
/// (no autocorrelation), so a lag-k effect shows at lag k only and does not bleed into k ± 1; every other
/// (biometric, symptom, lag) is truly null. Per patient and day t, with z and e independent N(0, 1):
///   biometric_b,t = mapped(z_b,t);  planted symptom_t = mapped(r·z_B,t−lag + √(1−r²)·e_t);  other symptoms = mapped(e_s,t).
/// Deterministic per (seed, patient index).
/// </summary>
public sealed class PlantedEffectSimulator(int seed, PlantedEffectOptions? options = null)
{
    public PlantedEffectOptions Options { get; } = Validate(options ?? new PlantedEffectOptions());

    public IReadOnlyList<PlantedEffectPatient> Simulate(int patients, DateOnly lastDay)
    {
        var cohort = new List<PlantedEffectPatient>(patients);
        for (var p = 0; p < patients; p++) cohort.Add(SimulatePatient(p, lastDay));
        return cohort;
    }

    public PlantedEffectPatient SimulatePatient(int index, DateOnly lastDay)
    {
        var o = Options;
        var rng = new Random(unchecked(seed * 1_000_003 + index * 7919 + 90_001));
        var biometric = o.PlantedBiometrics[rng.Next(o.PlantedBiometrics.Count)];
        var symptom = o.Symptoms[rng.Next(o.Symptoms.Count)];
        var lag = o.MinLag + rng.Next(o.MaxLag - o.MinLag + 1);
        var r = o.RandomSign && rng.NextDouble() < 0.5 ? -o.Correlation : o.Correlation;
        var hrvBaseline = 35 + 40 * rng.NextDouble();

        // Latent z for days −MaxLag..Days−1, so day 0's symptom can depend on a biometric before the first emitted day.
        var pre = o.MaxLag;
        var total = o.Days + pre;
        var z = new double[PlantedEffectOptions.Biometrics.Count][];
        for (var b = 0; b < z.Length; b++)
        {
            z[b] = new double[total];
            for (var t = 0; t < total; t++) z[b][t] = Normal(rng);
        }
        var plantedIndex = IndexOf(PlantedEffectOptions.Biometrics, biometric);
        var noiseScale = Math.Sqrt(1 - r * r);

        var start = lastDay.AddDays(-(o.Days - 1));
        var observations = new List<Observation>(o.Days * (4 + o.Symptoms.Count));
        for (var d = 0; d < o.Days; d++)
        {
            var t = d + pre;
            var missing = o.MissingProbability > 0 && rng.NextDouble() < o.MissingProbability;
            var noises = new double[o.Symptoms.Count];
            for (var s = 0; s < noises.Length; s++) noises[s] = Normal(rng);
            if (missing) continue;
            var morning = new DateTimeOffset(start.AddDays(d).ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero);
            observations.Add(new(morning.AddMinutes(-60), ObservationType.SleepHours, Math.Round(Math.Clamp(7 + z[0][t], 3, 11), 2)));
            observations.Add(new(morning.AddMinutes(-30), ObservationType.HrvMs, Math.Round(Math.Clamp(hrvBaseline + 10 * z[1][t], 10, 200), 1)));
            observations.Add(new(morning.AddMinutes(-30), ObservationType.RestingHr, Math.Clamp(Math.Round(62 + 4 * z[2][t]), 40, 120)));
            observations.Add(new(morning.AddMinutes(-20), ObservationType.Steps, Math.Clamp(Math.Round(7000 + 2500 * z[3][t]), 0, 40000)));
            for (var s = 0; s < o.Symptoms.Count; s++)
            {
                var type = o.Symptoms[s];
                var latent = type == symptom ? r * z[plantedIndex][t - lag] + noiseScale * noises[s] : noises[s];
                observations.Add(new(morning, type, MapSymptom(type, latent)));
            }
        }
        return new PlantedEffectPatient(index, observations, new PlantedEffect(biometric, symptom, lag, r), lastDay);
    }

    /// <summary>A standard-normal latent onto the symptom's scale: mood 5 + 1.5·s (0.1 steps), PHQ-9 round(9 + 4·s),
    /// GAD-7 round(7 + 3.5·s), clipped to the type's range (≥ 2.3 SD from the centre, so clipping is rare).</summary>
    public static double MapSymptom(ObservationType type, double latent)
    {
        if (type == ObservationType.Mood) return Math.Round(Math.Clamp(5 + 1.5 * latent, 0, 10), 1);
        if (type == ObservationType.Phq9) return Math.Clamp(Math.Round(9 + 4 * latent), 0, 27);
        if (type == ObservationType.Gad7) return Math.Clamp(Math.Round(7 + 3.5 * latent), 0, 21);
        throw new ArgumentException($"{type.Name} is not a simulated symptom", nameof(type));
    }

    private static PlantedEffectOptions Validate(PlantedEffectOptions o)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Days, 2, nameof(o.Days));
        if (o.MinLag < 0 || o.MaxLag < o.MinLag) throw new ArgumentException("need 0 ≤ MinLag ≤ MaxLag");
        if (!(Math.Abs(o.Correlation) <= 1)) throw new ArgumentException("Correlation must be in -1..1");
        if (o.Symptoms.Count == 0 || o.Symptoms.Any(s => s.Category != ObservationCategory.Symptom))
            throw new ArgumentException("Symptoms must be one or more symptom types");
        if (o.PlantedBiometrics.Count == 0 || o.PlantedBiometrics.Any(b => IndexOf(PlantedEffectOptions.Biometrics, b) < 0))
            throw new ArgumentException("PlantedBiometrics must be among the four biometrics");
        if (!(o.MissingProbability is >= 0 and < 1)) throw new ArgumentException("MissingProbability must be in 0..1");
        return o;
    }

    private static int IndexOf(IReadOnlyList<ObservationType> types, ObservationType type)
    {
        for (var i = 0; i < types.Count; i++) if (types[i] == type) return i;
        return -1;
    }

    private static double Normal(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
