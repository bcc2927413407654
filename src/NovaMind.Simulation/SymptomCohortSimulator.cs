using NovaMind.Domain.Observations;

namespace NovaMind.Simulation;

/// <summary>
/// How often PHQ-9 and GAD-7 are taken. <see cref="Daily"/>: a daily short form with the evening check-in (the training
/// cohort). <see cref="Weekly"/>, <see cref="Biweekly"/>: clinic or app visits every 7 or 14 days with jitter and missed
/// visits, each score reflecting the questionnaire's two-week recall window, as the full PHQ-9 and GAD-7 do.
/// </summary>
public enum QuestionnaireCadence
{
    Daily,
    Weekly,
    Biweekly,
}

/// <summary>
/// Cohort-wide constants of the symptom simulator (docs/forecast-simulator.md). Per-patient values are drawn
/// into <see cref="SymptomPatientParameters"/>.
/// </summary>
public sealed record SymptomSimulatorOptions
{
    /// <summary>Planted lag (days) of sleep → depressive severity; 1..3.</summary>
    public int SleepLag { get; init; } = 1;

    /// <summary>Planted lag (days) of HRV → depressive severity and anxiety; 1..3.</summary>
    public int HrvLag { get; init; } = 3;

    /// <summary>Unobserved days simulated before the first emitted day, so the process is near-stationary when data start.</summary>
    public int BurnInDays { get; init; } = 60;

    /// <summary>Share of patients with mood baseline below <see cref="MedicationEligibleBelow"/> who start an antidepressant.</summary>
    public double MedicationShare { get; init; } = 0.6;

    public double MedicationEligibleBelow { get; init; } = 6.5;

    /// <summary>PHQ-9 and GAD-7 cadence (mood and wearables stay daily).</summary>
    public QuestionnaireCadence Questionnaires { get; init; } = QuestionnaireCadence.Daily;

    /// <summary>A visit falls up to this many days either side of its scheduled day (uniform), for weekly and biweekly cadences.</summary>
    public int VisitJitterDays { get; init; } = 2;

    /// <summary>Chance that a scheduled visit does not happen at all (no PHQ-9, no GAD-7 that time).</summary>
    public double MissedVisitProbability { get; init; } = 0.15;

    /// <summary>
    /// Days a periodic questionnaire score looks back over ("over the last 2 weeks"): its expected value is the mean of
    /// the daily expected scores over the visit day and the days before it.
    /// </summary>
    public int RecallDays { get; init; } = 14;

    /// <summary>Days between scheduled visits (1 for the daily cadence).</summary>
    public int VisitPeriodDays => Questionnaires switch { QuestionnaireCadence.Weekly => 7, QuestionnaireCadence.Biweekly => 14, _ => 1 };

    /// <summary>P(well → relapse) per day.</summary>
    public double RelapseOnsetPerDay { get; init; } = 1.0 / 150;

    /// <summary>P(relapse → well) per day (mean episode length 1/p days).</summary>
    public double RelapseEndPerDay { get; init; } = 1.0 / 28;

    /// <summary>Check-in (mood, PHQ-9, GAD-7) missing: min(cap, base + perPoint·max(0, 6 − latent mood)).</summary>
    public double CheckInMissingBase { get; init; } = 0.07;
    public double CheckInMissingPerPoint { get; init; } = 0.05;
    public double CheckInMissingCap { get; init; } = 0.5;

    /// <summary>Wearable (sleep, HRV, resting HR, steps) missing: min(cap, base + perPoint·max(0, 6 − latent mood)).</summary>
    public double WearableMissingBase { get; init; } = 0.05;
    public double WearableMissingPerPoint { get; init; } = 0.03;
    public double WearableMissingCap { get; init; } = 0.4;

    // Latent dynamics.
    public double SeverityNoiseSd { get; init; } = 0.45;
    public double AnxietyPersistence { get; init; } = 0.6;
    public double AnxietyNoiseSd { get; init; } = 0.9;
    public double SleepPersistence { get; init; } = 0.3;
    public double SleepNoiseSd { get; init; } = 0.9;
    public double HrvPersistence { get; init; } = 0.5;
    public double HrvNoiseSd { get; init; } = 7;

    // Measurement model.
    public double Phq9Loading { get; init; } = 2.4;
    public double Gad7Loading { get; init; } = 1.6;
    public double RestingHrLoading { get; init; } = -0.2;
    public double StepsLoading { get; init; } = -600;
    public double MoodNoiseSd { get; init; } = 0.45;
    public double Phq9NoiseSd { get; init; } = 1.4;
    public double Gad7NoiseSd { get; init; } = 1.2;
    public double SleepMeasurementSd { get; init; } = 0.2;
    public double HrvMeasurementSd { get; init; } = 3;
    public double RestingHrNoiseSd { get; init; } = 2;
    public double StepsNoiseSd { get; init; } = 1500;
    public double WeekendSleepHours { get; init; } = 0.5;

    /// <summary>Weekly rhythm shape (Monday..Sunday, sums to 0), in mood points per unit of the patient's amplitude.</summary>
    public static IReadOnlyList<double> WeeklyShape { get; } = [-0.5, -0.2, -0.1, 0, 0.2, 0.4, 0.2];

    public SymptomSimulatorOptions Validate()
    {
        if (SleepLag is < 1 or > SymptomStateSpace.MaxLag) throw new ArgumentOutOfRangeException(nameof(SleepLag), SleepLag, "lags are 1..3 days");
        if (HrvLag is < 1 or > SymptomStateSpace.MaxLag) throw new ArgumentOutOfRangeException(nameof(HrvLag), HrvLag, "lags are 1..3 days");
        if (BurnInDays < 0) throw new ArgumentOutOfRangeException(nameof(BurnInDays));
        if (RelapseOnsetPerDay is < 0 or > 1 || RelapseEndPerDay is <= 0 or > 1 || RelapseOnsetPerDay + RelapseEndPerDay > 1)
            throw new ArgumentOutOfRangeException(nameof(RelapseOnsetPerDay), "relapse transition probabilities must be in 0..1 and sum to at most 1");
        if (!Enum.IsDefined(Questionnaires)) throw new ArgumentOutOfRangeException(nameof(Questionnaires));
        if (VisitJitterDays < 0 || 2 * VisitJitterDays >= VisitPeriodDays && Questionnaires != QuestionnaireCadence.Daily)
            throw new ArgumentOutOfRangeException(nameof(VisitJitterDays), VisitJitterDays, "jitter must keep consecutive visits apart (under half the period)");
        if (MissedVisitProbability is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(MissedVisitProbability));
        if (RecallDays is < 1 or > 28) throw new ArgumentOutOfRangeException(nameof(RecallDays), RecallDays, "recall windows are 1..28 days");
        return this;
    }
}

/// <summary>One patient's drawn constants (all known to the oracle).</summary>
public sealed record SymptomPatientParameters(
    double MoodBaseline,
    double Phq9Baseline,
    double Gad7Baseline,
    double SleepBaseline,
    double HrvBaseline,
    double RestingHrBaseline,
    double StepsBaseline,
    double Persistence,
    double SleepEffect,
    double HrvEffect,
    double HrvAnxietyEffect,
    double WeeklyAmplitude,
    double RelapseShift,
    DateOnly? MedicationStart,
    int MedicationDelayDays,
    int MedicationRampDays,
    double MedicationEffect)
{
    /// <summary>Improvement in mood points from the antidepressant on <paramref name="day"/>: 0 until start + delay, then a linear ramp to the full effect.</summary>
    public double MedicationImprovement(DateOnly day)
    {
        if (MedicationStart is not { } start) return 0;
        var tau = day.DayNumber - start.DayNumber - MedicationDelayDays;
        return tau <= 0 ? 0 : MedicationEffect * Math.Min(1.0, (double)tau / MedicationRampDays);
    }

    /// <summary>The weekly rhythm on <paramref name="day"/>, in mood points (positive = better).</summary>
    public double WeeklyRelief(DateOnly day) =>
        WeeklyAmplitude * SymptomSimulatorOptions.WeeklyShape[((int)day.DayOfWeek + 6) % 7];
}

/// <summary>
/// A simulated patient: what is observable (<see cref="Observations"/>, also as a daily grid in <see cref="Daily"/>)
/// and the latent truth (parameters, regime path, latent state) the oracle and tests use.
/// Day arrays are indexed from <see cref="FirstDay"/> (the first emitted day); <see cref="BurnIn"/> days precede it.
/// </summary>
public sealed class SymptomSimulatedPatient
{
    internal SymptomSimulatedPatient(int index, DateOnly firstDay, int days, int burnIn, SymptomPatientParameters parameters,
        IReadOnlyList<Observation> observations, IReadOnlyDictionary<ObservationType, double[]> daily,
        bool[] relapseWithBurnIn, double[][] stateWithBurnIn, double[] latentMood)
    {
        Index = index;
        FirstDay = firstDay;
        Days = days;
        BurnIn = burnIn;
        Parameters = parameters;
        Observations = observations;
        Daily = daily;
        RelapseWithBurnIn = relapseWithBurnIn;
        StateWithBurnIn = stateWithBurnIn;
        LatentMood = latentMood;
    }

    public int Index { get; }
    public DateOnly FirstDay { get; }
    public int Days { get; }
    public DateOnly LastDay => FirstDay.AddDays(Days - 1);
    public int BurnIn { get; }
    public SymptomPatientParameters Parameters { get; }
    public IReadOnlyList<Observation> Observations { get; }

    /// <summary>The emitted value per type and day (NaN where missing); same values as <see cref="Observations"/>.</summary>
    public IReadOnlyDictionary<ObservationType, double[]> Daily { get; }

    /// <summary>Relapse regime per day including the burn-in (index BurnIn + d is emitted day d).</summary>
    internal bool[] RelapseWithBurnIn { get; }

    /// <summary>Latent state vector (<see cref="SymptomStateSpace"/>) per day including the burn-in.</summary>
    internal double[][] StateWithBurnIn { get; }

    /// <summary>Whether emitted day <paramref name="day"/> (0-based) is in a relapse episode.</summary>
    public bool InRelapse(int day) => RelapseWithBurnIn[BurnIn + day];

    /// <summary>Noise-free mood (before measurement noise, rounding and clamping) per emitted day.</summary>
    public IReadOnlyList<double> LatentMood { get; }

    public int DayIndex(DateOnly day) => day.DayNumber - FirstDay.DayNumber;
}

/// <summary>The simulated cohort and its oracle.</summary>
public sealed class SymptomCohort(IReadOnlyList<SymptomSimulatedPatient> patients, SymptomSimulatorOptions options)
{
    private readonly Dictionary<int, SymptomOracle> _oracles = [];

    public IReadOnlyList<SymptomSimulatedPatient> Patients { get; } = patients;
    public SymptomSimulatorOptions Options { get; } = options;

    public SymptomOracle Oracle(int patient)
    {
        if (!HasOracle)
            throw new InvalidOperationException($"no oracle for {Options.Questionnaires} questionnaires: a periodic score averages a {Options.RecallDays}-day recall window the oracle's filter does not model");
        lock (_oracles)
        {
            if (!_oracles.TryGetValue(patient, out var o)) _oracles[patient] = o = new SymptomOracle(Patients[patient], Options);
            return o;
        }
    }

    /// <summary>The oracle forecast of the observed <paramref name="symptom"/> on origin + 1..maxHorizon days.</summary>
    public OracleForecast OracleForecast(int patient, DateOnly origin, ObservationType symptom, int maxHorizon) =>
        Oracle(patient).Forecast(origin, symptom, maxHorizon);

    /// <summary>Whether an oracle exists: only for daily questionnaires (a periodic score averages a recall window the oracle's filter does not model).</summary>
    public bool HasOracle => Options.Questionnaires == QuestionnaireCadence.Daily;
}

/// <summary>
/// Synthetic cohort for forecasting (docs/forecast-simulator.md): daily mood, PHQ-9 and GAD-7 check-ins and
/// wearable biometrics from a linear-Gaussian latent state process with individual baselines, a weekly rhythm,
/// autocorrelation, planted lagged effects of sleep and HRV, a delayed gradual antidepressant effect, Markov-switching
/// relapse episodes, measurement noise and missing days (at random and more often when worse).
/// Deterministic per (seed, patient index); <see cref="CohortSimulator"/> is left as it is.
/// </summary>
public sealed class SymptomCohortSimulator(int seed, SymptomSimulatorOptions? options = null)
{
    public SymptomSimulatorOptions Options { get; } = (options ?? new SymptomSimulatorOptions()).Validate();

    public SymptomCohort Simulate(int patients, int days, DateOnly lastDay)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patients);
        var list = new List<SymptomSimulatedPatient>(patients);
        for (var p = 0; p < patients; p++) list.Add(SimulatePatient(p, days, lastDay));
        return new SymptomCohort(list, Options);
    }

    public SymptomSimulatedPatient SimulatePatient(int index, int days, DateOnly lastDay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        var o = Options;
        // HashCode.Combine is randomised per process; seed from (seed, index) only.
        var rng = new Random(unchecked(seed * 1_000_003 + index * 7919 + 104_729));
        var firstDay = lastDay.AddDays(-(days - 1));
        var parameters = DrawParameters(rng, firstDay, days);
        var model = new SymptomStateSpace(parameters, o);
        var burnIn = o.BurnInDays;
        var total = burnIn + days;

        var relapse = new bool[total];
        var states = new double[total][];
        var x = new double[SymptomStateSpace.Dimension];
        var inRelapse = false;
        var daily = ObservationTypesEmitted.ToDictionary(t => t, _ => Filled(days, double.NaN));
        var latentMood = new double[days];
        var obs = new List<Observation>(days * 7);
        // Periodic questionnaires: visit days drawn from their own stream, so the daily streams are the same whatever the cadence.
        var visits = VisitDays(index, days);
        var recall = new Dictionary<ObservationType, Queue<double>> { [ObservationType.Phq9] = new(), [ObservationType.Gad7] = new() };
        for (var i = 0; i < total; i++)
        {
            var day = firstDay.AddDays(i - burnIn);
            inRelapse = inRelapse ? rng.NextDouble() >= o.RelapseEndPerDay : rng.NextDouble() < o.RelapseOnsetPerDay;
            relapse[i] = inRelapse;
            var next = model.Transition(x);
            next[SymptomStateSpace.Severity] += model.RelapseInput(inRelapse) + Normal(rng, o.SeverityNoiseSd);
            next[SymptomStateSpace.Anxiety] += Normal(rng, o.AnxietyNoiseSd);
            next[SymptomStateSpace.Sleep] += Normal(rng, o.SleepNoiseSd);
            next[SymptomStateSpace.Hrv] += Normal(rng, o.HrvNoiseSd);
            x = next;
            states[i] = x;

            // Draw every day's noise in a fixed order (also in the burn-in) so a patient's stream does not depend on missingness.
            var noise = new double[ObservationTypesEmitted.Count];
            for (var k = 0; k < noise.Length; k++) noise[k] = Normal(rng, 1);
            var uCheckIn = rng.NextDouble();
            var uWearable = rng.NextDouble();
            foreach (var (type, window) in recall)
            {
                window.Enqueue(model.Mean(type, day, x));
                if (window.Count > o.RecallDays) window.Dequeue();
            }
            if (i < burnIn) continue;

            var d = i - burnIn;
            var mood = model.Mean(ObservationType.Mood, day, x);
            latentMood[d] = mood;
            var worse = Math.Max(0, 6 - mood);
            var checkInMissing = uCheckIn < Math.Min(o.CheckInMissingCap, o.CheckInMissingBase + o.CheckInMissingPerPoint * worse);
            var wearableMissing = uWearable < Math.Min(o.WearableMissingCap, o.WearableMissingBase + o.WearableMissingPerPoint * worse);
            var midnight = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            for (var k = 0; k < ObservationTypesEmitted.Count; k++)
            {
                var type = ObservationTypesEmitted[k];
                var isCheckIn = type.Category == ObservationCategory.Symptom;
                var periodic = o.Questionnaires != QuestionnaireCadence.Daily && recall.ContainsKey(type);
                if (periodic ? !visits.Contains(d) : isCheckIn ? checkInMissing : wearableMissing) continue;
                var expected = periodic ? recall[type].Average() : model.Mean(type, day, x);
                var value = Emit(type, expected + model.NoiseSd(type) * noise[k]);
                daily[type][d] = value;
                obs.Add(new Observation(midnight + ReadingTime(type), type, value));
            }
        }
        return new SymptomSimulatedPatient(index, firstDay, days, burnIn, parameters, obs, daily, relapse, states, latentMood);
    }

    /// <summary>
    /// Emitted-day indices of the patient's questionnaire visits: the first scheduled in the first period, then every
    /// period, each moved by up to ± <see cref="SymptomSimulatorOptions.VisitJitterDays"/> and dropped with
    /// <see cref="SymptomSimulatorOptions.MissedVisitProbability"/>. Empty for the daily cadence.
    /// </summary>
    public HashSet<int> VisitDays(int index, int days)
    {
        var o = Options;
        var visits = new HashSet<int>();
        if (o.Questionnaires == QuestionnaireCadence.Daily) return visits;
        var rng = new Random(unchecked(seed * 1_000_003 + index * 7919 + 611_953));
        var period = o.VisitPeriodDays;
        for (var scheduled = rng.Next(period); scheduled < days; scheduled += period)
        {
            var day = scheduled + rng.Next(-o.VisitJitterDays, o.VisitJitterDays + 1);
            if (rng.NextDouble() >= o.MissedVisitProbability && day >= 0 && day < days) visits.Add(day);
        }
        return visits;
    }

    /// <summary>The types emitted, in a fixed order (check-ins first, then wearables).</summary>
    public static IReadOnlyList<ObservationType> ObservationTypesEmitted { get; } =
        [ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7, ObservationType.SleepHours, ObservationType.HrvMs, ObservationType.RestingHr, ObservationType.Steps];

    /// <summary>Rounding and clamping applied to a value before it is emitted (the measurement's resolution and range).</summary>
    public static double Emit(ObservationType type, double value)
    {
        if (type == ObservationType.Mood) return Math.Clamp(Math.Round(value, 1), 0, 10);
        if (type == ObservationType.Phq9) return Math.Clamp(Math.Round(value), 0, 27);
        if (type == ObservationType.Gad7) return Math.Clamp(Math.Round(value), 0, 21);
        if (type == ObservationType.SleepHours) return Math.Clamp(Math.Round(value, 2), 2, 14);
        if (type == ObservationType.HrvMs) return Math.Clamp(Math.Round(value, 1), 10, 200);
        if (type == ObservationType.RestingHr) return Math.Clamp(Math.Round(value), 35, 120);
        if (type == ObservationType.Steps) return Math.Clamp(Math.Round(value), 0, 40_000);
        throw new ArgumentOutOfRangeException(nameof(type), type, "not emitted by the symptom simulator");
    }

    /// <summary>Resolution of the emitted value (its rounding step).</summary>
    public static double Resolution(ObservationType type) =>
        type == ObservationType.Mood || type == ObservationType.HrvMs ? 0.1 : type == ObservationType.SleepHours ? 0.01 : 1;

    /// <summary>When a day's reading of <paramref name="type"/> is taken (shared with <see cref="RegimeMoodSimulator"/>).</summary>
    internal static TimeSpan ReadingTime(ObservationType type) =>
        type == ObservationType.SleepHours ? new TimeSpan(7, 0, 0)
        : type == ObservationType.HrvMs || type == ObservationType.RestingHr ? new TimeSpan(7, 30, 0)
        : type == ObservationType.Steps ? new TimeSpan(22, 0, 0)
        : new TimeSpan(20, 0, 0); // evening check-in: mood, PHQ-9 and GAD-7 short forms

    private SymptomPatientParameters DrawParameters(Random rng, DateOnly firstDay, int days)
    {
        var o = Options;
        var mood = 4.5 + 3 * rng.NextDouble();
        var phq9 = 2.4 * (10 - mood) - 1 + (4 * rng.NextDouble() - 2);
        var gad7 = 0.6 * phq9 + 1.5 + (2 * rng.NextDouble() - 1);
        var sleep = 6.4 + 1.2 * rng.NextDouble();
        var hrv = 35 + 40 * rng.NextDouble();
        var restingHr = 56 + 14 * rng.NextDouble();
        var steps = 7000 + 4000 * rng.NextDouble();
        var persistence = 0.6 + 0.25 * rng.NextDouble();
        var sleepEffect = 0.25 + 0.2 * rng.NextDouble();
        var hrvEffect = 0.02 + 0.02 * rng.NextDouble();
        var hrvAnxietyEffect = 0.04 + 0.04 * rng.NextDouble();
        var weekly = 0.5 + 0.7 * rng.NextDouble();
        var relapseShift = 1.2 + 1.0 * rng.NextDouble();
        var medicated = rng.NextDouble() < o.MedicationShare;
        var startOffset = (int)Math.Round(days * (0.25 + 0.35 * rng.NextDouble()));
        var delay = 10 + rng.Next(11);
        var ramp = 14 + rng.Next(15);
        var effect = 0.8 + 1.0 * rng.NextDouble();
        DateOnly? start = medicated && mood < o.MedicationEligibleBelow ? firstDay.AddDays(startOffset) : null;
        return new SymptomPatientParameters(mood, phq9, gad7, sleep, hrv, restingHr, steps, persistence, sleepEffect, hrvEffect,
            hrvAnxietyEffect, weekly, relapseShift, start, delay, ramp, effect);
    }

    private static double[] Filled(int n, double value)
    {
        var a = new double[n];
        Array.Fill(a, value);
        return a;
    }

    internal static double Normal(Random rng, double sd)
    {
        // Box–Muller; 1 − U keeps the logarithm finite.
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
