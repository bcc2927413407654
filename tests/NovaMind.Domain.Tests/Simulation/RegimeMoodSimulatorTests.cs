using NovaMind.Domain.Observations;
using NovaMind.Simulation;

namespace NovaMind.Domain.Tests.Simulation;

public sealed class RegimeMoodSimulatorTests
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);

    [Fact]
    public void Same_seed_and_patient_give_the_same_data_and_every_value_is_valid()
    {
        var a = new RegimeMoodSimulator(5).SimulatePatient(3, 200, LastDay);
        var b = new RegimeMoodSimulator(5).SimulatePatient(3, 200, LastDay);
        Assert.Equal(a.Observations, b.Observations);
        Assert.NotEqual(a.Observations, new RegimeMoodSimulator(6).SimulatePatient(3, 200, LastDay).Observations);
        Assert.Null(new ObservationBatchValidator(TimeProvider.System).Check(a.Observations)); // ranges, times: what the API accepts
        Assert.Equal(LastDay, DateOnly.FromDateTime(a.Observations.Max(o => o.Time).UtcDateTime));
    }

    [Fact]
    public void Regimes_persist_and_move_mood_and_questionnaires_the_planted_way()
    {
        var cohort = new RegimeMoodSimulator(11).Simulate(40, 365, LastDay);
        var low = new List<double>();
        var euthymic = new List<double>();
        var phqLow = new List<double>();
        var phqEuthymic = new List<double>();
        var switches = 0;
        var days = 0;
        foreach (var p in cohort)
            for (var d = 0; d < p.Days; d++)
            {
                if (d > 0 && p.Regime[d] != p.Regime[d - 1]) switches++;
                days++;
                var mood = p.Daily[ObservationType.Mood][d];
                var phq = p.Daily[ObservationType.Phq9][d];
                if (p.Regime[d] == 1) { if (!double.IsNaN(mood)) low.Add(mood); if (!double.IsNaN(phq)) phqLow.Add(phq); }
                if (p.Regime[d] == 0) { if (!double.IsNaN(mood)) euthymic.Add(mood); if (!double.IsNaN(phq)) phqEuthymic.Add(phq); }
            }
        Assert.InRange((double)switches / days, 0.01, 0.06); // regimes last weeks (leave with probability 2–5 % a day)
        Assert.InRange(euthymic.Average() - low.Average(), 1.8, 3.2); // the low regime's offset is 2.5
        Assert.True(phqLow.Average() > phqEuthymic.Average() + 3, $"PHQ-9 {phqLow.Average():F1} low vs {phqEuthymic.Average():F1}");
    }

    [Fact]
    public void A_short_night_lowers_the_next_days_mood()
    {
        var cohort = new RegimeMoodSimulator(13).Simulate(60, 365, LastDay);
        var afterShort = new List<double>();
        var afterNormal = new List<double>();
        foreach (var p in cohort)
            for (var d = 1; d < p.Days; d++)
            {
                // Sleep is read at 07:00 for the night before day d; the threshold acts on the following day's mood.
                var sleep = p.Daily[ObservationType.SleepHours][d - 1];
                var mood = p.Daily[ObservationType.Mood][d];
                if (double.IsNaN(sleep) || double.IsNaN(mood) || p.Regime[d] != 0 || p.Regime[d - 1] != 0) continue;
                (sleep < 6 ? afterShort : afterNormal).Add(mood - p.Daily[ObservationType.Mood].Where(v => !double.IsNaN(v)).Average());
            }
        Assert.True(afterShort.Count > 100, $"{afterShort.Count} short nights");
        Assert.InRange(afterNormal.Average() - afterShort.Average(), 0.4, 1.6); // planted −0.8, plus short nights follow low mood
    }
}
