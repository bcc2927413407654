using NovaMind.Domain.Observations;
using NovaMind.Simulation;

namespace NovaMind.Domain.Tests;

public class CohortSimulatorTests
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);

    [Fact]
    public void SameSeed_GivesIdenticalCohorts()
    {
        var a = new CohortSimulator(42).Simulate(6, 90, LastDay);
        var b = new CohortSimulator(42).Simulate(6, 90, LastDay);

        Assert.Equal(6, a.Count);
        for (var p = 0; p < a.Count; p++)
        {
            Assert.Equal(p, a[p].Index);
            Assert.Equal(a[p].MoodBaseline, b[p].MoodBaseline);
            Assert.NotEmpty(a[p].Observations);
            Assert.Equal(a[p].Observations, b[p].Observations);
        }
    }

    [Fact]
    public void APatient_DoesNotDependOnTheCohortSize()
    {
        var big = new CohortSimulator(42).Simulate(10, 60, LastDay);
        var alone = new CohortSimulator(42).SimulatePatient(7, 60, LastDay);

        Assert.Equal(big[7].Observations, alone.Observations);
    }

    [Fact]
    public void DifferentSeeds_GiveDifferentCohorts()
    {
        var a = new CohortSimulator(1).Simulate(3, 60, LastDay);
        var b = new CohortSimulator(2).Simulate(3, 60, LastDay);

        for (var p = 0; p < a.Count; p++)
        {
            Assert.NotEqual(a[p].MoodBaseline, b[p].MoodBaseline);
            Assert.False(a[p].Observations.SequenceEqual(b[p].Observations));
        }
    }

    [Fact]
    public void DifferentPatients_OfOneCohort_Differ()
    {
        var cohort = new CohortSimulator(1).Simulate(20, 30, LastDay);
        Assert.Equal(20, cohort.Select(p => p.MoodBaseline).Distinct().Count());
    }

    [Fact]
    public void EveryObservation_IsValid_InRange_RegisteredType_AndInsideTheSimulatedDays()
    {
        const int days = 180;
        var cohort = new CohortSimulator(20261126).Simulate(30, days, LastDay);
        var first = new DateTimeOffset(LastDay.AddDays(-(days - 1)).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var afterLast = new DateTimeOffset(LastDay.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var validator = new ObservationBatchValidator(new FixedTimeProvider(afterLast));

        foreach (var patient in cohort)
        {
            Assert.Null(validator.Check(patient.Observations));
            foreach (var o in patient.Observations)
            {
                Assert.True(o.Type.Contains(o.Value), $"{o.Type.Name} {o.Value} is outside {o.Type.Min}..{o.Type.Max}");
                Assert.Same(ObservationType.FromCode(o.Type.Code), o.Type);
                Assert.InRange(o.Time, first, afterLast.AddTicks(-1));
                Assert.Equal(TimeSpan.Zero, o.Time.Offset);
            }
            Assert.InRange(patient.MoodBaseline, 3.5, 7.5);
        }
    }

    [Fact]
    public void QuestionnairesAreWeeklyOnMondays_AndPhoneReadingsAreMissingOnSomeDays()
    {
        const int days = 180;
        var cohort = new CohortSimulator(5).Simulate(50, days, LastDay);
        var mondays = Enumerable.Range(0, days).Count(d => LastDay.AddDays(-d).DayOfWeek == DayOfWeek.Monday);

        var moodDays = 0;
        foreach (var patient in cohort)
        {
            var phq9 = patient.Observations.Where(o => o.Type == ObservationType.Phq9).ToList();
            Assert.Equal(mondays, phq9.Count);
            Assert.All(phq9, o => Assert.Equal(DayOfWeek.Monday, o.Time.DayOfWeek));
            Assert.Equal(mondays, patient.Observations.Count(o => o.Type == ObservationType.Gad7));

            var moods = patient.Observations.Where(o => o.Type == ObservationType.Mood).ToList();
            Assert.Equal(moods.Count, moods.Select(o => DateOnly.FromDateTime(o.Time.UtcDateTime)).Distinct().Count());
            // A day's phone readings come together or not at all.
            Assert.Equal(moods.Count, patient.Observations.Count(o => o.Type == ObservationType.SleepHours));
            Assert.Equal(moods.Count, patient.Observations.Count(o => o.Type == ObservationType.Steps));
            moodDays += moods.Count;
        }

        // Missing with probability 8 % .. 25 % per day, so between 75 % and 92 % of days are observed (with slack).
        var observedFraction = (double)moodDays / (cohort.Count * days);
        Assert.InRange(observedFraction, 0.74, 0.93);
    }

    [Fact]
    public void PlantedEffect_YesterdaysSleepPredictsTodaysMood_TomorrowsSleepMuchLess()
    {
        var cohort = new CohortSimulator(20261126).Simulate(50, 180, LastDay);
        var lagged = new List<(double Sleep, double Mood)>();
        var sameDay = new List<(double Sleep, double Mood)>();
        var future = new List<(double Sleep, double Mood)>();

        foreach (var patient in cohort)
        {
            var mood = Daily(patient, ObservationType.Mood);
            var sleep = Daily(patient, ObservationType.SleepHours);
            var pastPairs = new List<(double, double)>();
            var samePairs = new List<(double, double)>();
            var futurePairs = new List<(double, double)>();
            foreach (var (day, m) in mood)
            {
                // sleep_hours dated day d is the night before d: sleep_t in the simulator's notation.
                if (sleep.TryGetValue(day.AddDays(-1), out var s1)) pastPairs.Add((s1, m));
                if (sleep.TryGetValue(day, out var s0)) samePairs.Add((s0, m));
                if (sleep.TryGetValue(day.AddDays(1), out var s2)) futurePairs.Add((s2, m));
            }
            lagged.AddRange(Centered(pastPairs));
            sameDay.AddRange(Centered(samePairs));
            future.AddRange(Centered(futurePairs));
        }

        var rLagged = Pearson(lagged);
        var rSameDay = Pearson(sameDay);
        var rFuture = Pearson(future);
        var summary = $"corr with mood[t]: sleep[t-1] {rLagged:F3}, sleep[t] {rSameDay:F3}, sleep[t+1] {rFuture:F3}";

        Assert.True(lagged.Count > 5000, $"only {lagged.Count} pairs");
        Assert.True(rLagged > 0.2, summary);
        // The effect is planted at lag 1: the lagged correlation must dominate, and the "future" one must be far weaker
        // (it is not zero: sleep is autocorrelated, so tomorrow's sleep carries some of today's).
        Assert.True(rLagged > rSameDay + 0.1, summary);
        Assert.True(rFuture < rLagged / 3, summary);
    }

    [Fact]
    public void Pearson_Helper_KnownAnswers()
    {
        Assert.Equal(1, Pearson([(1, 2), (2, 4), (3, 6)]), 1e-12);
        Assert.Equal(-1, Pearson([(1, 3), (2, 2), (3, 1)]), 1e-12);
        // x = 1..4, y = 1, 3, 2, 4: Σdxdy = 4, Σdx² = Σdy² = 5, so r = 0.8.
        Assert.Equal(0.8, Pearson([(1, 1), (2, 3), (3, 2), (4, 4)]), 1e-12);
    }

    private static Dictionary<DateOnly, double> Daily(SimulatedPatient patient, ObservationType type) =>
        patient.Observations.Where(o => o.Type == type)
            .GroupBy(o => DateOnly.FromDateTime(o.Time.UtcDateTime))
            .ToDictionary(g => g.Key, g => g.Average(o => o.Value));

    /// <summary>Subtracts the patient's own means, so between-patient baseline differences do not count.</summary>
    private static IEnumerable<(double, double)> Centered(List<(double X, double Y)> pairs)
    {
        if (pairs.Count < 2) return [];
        var mx = pairs.Average(p => p.X);
        var my = pairs.Average(p => p.Y);
        return pairs.Select(p => (p.X - mx, p.Y - my));
    }

    private static double Pearson(IReadOnlyList<(double X, double Y)> pairs)
    {
        var mx = pairs.Average(p => p.X);
        var my = pairs.Average(p => p.Y);
        double sxy = 0, sxx = 0, syy = 0;
        foreach (var (x, y) in pairs)
        {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
            syy += (y - my) * (y - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }
}
