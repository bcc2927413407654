using NovaMind.Domain.Observations;
using NovaMind.Simulation;

namespace NovaMind.Domain.Tests.Simulation;

/// <summary>Periodic PHQ-9/GAD-7 visits in the symptom simulator: schedule, recall window, and nothing else changed.</summary>
public sealed class QuestionnaireCadenceTests
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);

    private static SymptomCohort Cohort(QuestionnaireCadence cadence, int patients = 12, int days = 240, int seed = 31) =>
        new SymptomCohortSimulator(seed, new SymptomSimulatorOptions { Questionnaires = cadence }).Simulate(patients, days, LastDay);

    private static List<Observation> Of(SymptomSimulatedPatient p, ObservationType type) => [.. p.Observations.Where(o => o.Type == type)];

    [Theory]
    [InlineData(QuestionnaireCadence.Weekly, 7)]
    [InlineData(QuestionnaireCadence.Biweekly, 14)]
    public void Visits_come_every_period_give_or_take_the_jitter_and_some_are_missed(QuestionnaireCadence cadence, int period)
    {
        var cohort = Cohort(cadence);
        var gaps = new List<int>();
        var visits = 0;
        foreach (var p in cohort.Patients)
        {
            var days = Of(p, ObservationType.Phq9).Select(o => p.DayIndex(DateOnly.FromDateTime(o.Time.UtcDateTime))).ToList();
            Assert.Equal(days, Of(p, ObservationType.Gad7).Select(o => p.DayIndex(DateOnly.FromDateTime(o.Time.UtcDateTime))).ToList()); // taken together
            visits += days.Count;
            gaps.AddRange(days.Zip(days.Skip(1), (a, b) => b - a));
        }
        // A gap is k periods (k − 1 visits missed) ± twice the jitter.
        Assert.All(gaps, g => Assert.InRange(Math.Abs(g - period * Math.Max(1, (int)Math.Round(g / (double)period))), 0, 4));
        var scheduled = cohort.Patients.Count * 240.0 / period;
        Assert.InRange(visits / scheduled, 0.75, 0.95); // 15 % missed
        Assert.Contains(gaps, g => g > period + 4); // and some visits were missed
    }

    [Fact]
    public void Mood_and_wearables_are_the_same_whatever_the_cadence()
    {
        var daily = Cohort(QuestionnaireCadence.Daily);
        var biweekly = Cohort(QuestionnaireCadence.Biweekly);
        foreach (var type in new[] { ObservationType.Mood, ObservationType.SleepHours, ObservationType.HrvMs, ObservationType.Steps })
            for (var i = 0; i < daily.Patients.Count; i++)
                Assert.Equal(Of(daily.Patients[i], type), Of(biweekly.Patients[i], type));
    }

    [Fact]
    public void A_periodic_score_follows_the_two_week_recall_window_more_than_the_visit_day()
    {
        // The same patients with daily short forms: their PHQ-9 over the 14 days up to a visit predicts the visit's score
        // better than the visit day's own daily score does.
        var daily = Cohort(QuestionnaireCadence.Daily, patients: 20);
        var biweekly = Cohort(QuestionnaireCadence.Biweekly, patients: 20);
        var (visit, sameDay, window) = (new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < daily.Patients.Count; i++)
        {
            var series = daily.Patients[i].Daily[ObservationType.Phq9];
            foreach (var o in Of(biweekly.Patients[i], ObservationType.Phq9))
            {
                var d = biweekly.Patients[i].DayIndex(DateOnly.FromDateTime(o.Time.UtcDateTime));
                var recent = series.Skip(Math.Max(0, d - 13)).Take(Math.Min(14, d + 1)).Where(v => !double.IsNaN(v)).ToList();
                if (double.IsNaN(series[d]) || recent.Count < 7) continue;
                visit.Add(o.Value);
                sameDay.Add(series[d]);
                window.Add(recent.Average());
            }
        }
        Assert.True(visit.Count > 150, $"{visit.Count} visits");
        var maeWindow = visit.Zip(window, (a, b) => Math.Abs(a - b)).Average();
        var maeSameDay = visit.Zip(sameDay, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(maeWindow < 0.85 * maeSameDay, $"window {maeWindow:F3}, same day {maeSameDay:F3}");
    }

    [Fact]
    public void The_oracle_exists_only_for_daily_questionnaires()
    {
        Assert.True(Cohort(QuestionnaireCadence.Daily, patients: 1).HasOracle);
        var biweekly = Cohort(QuestionnaireCadence.Biweekly, patients: 1);
        Assert.False(biweekly.HasOracle);
        Assert.Throws<InvalidOperationException>(() => biweekly.OracleForecast(0, LastDay.AddDays(-30), ObservationType.Mood, 7));
    }

    [Theory]
    [InlineData(QuestionnaireCadence.Weekly, 4, 0.15, 14)]    // jitter ≥ half the period: visits could swap
    [InlineData(QuestionnaireCadence.Biweekly, 2, 1.0, 14)]   // every visit missed
    [InlineData(QuestionnaireCadence.Biweekly, 2, 0.15, 0)]   // no recall window
    [InlineData(QuestionnaireCadence.Biweekly, -1, 0.15, 14)]
    public void Options_that_make_no_schedule_are_refused(QuestionnaireCadence cadence, int jitter, double missed, int recall)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SymptomSimulatorOptions { Questionnaires = cadence, VisitJitterDays = jitter, MissedVisitProbability = missed, RecallDays = recall }.Validate());
    }
}
