using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Tests;

public class PatientSummaryTests
{
    private static DateTimeOffset T(int day, int hour = 8) => new(2026, 2, day, hour, 0, 0, TimeSpan.Zero);

    /// <summary>Each observation ingested on its own, in the given order, as a twin keeps them: day chunks applied to type histories.</summary>
    private static PatientSummary From(IEnumerable<Observation> observations)
    {
        var histories = new Dictionary<ObservationType, TypeHistory>();
        var chunks = new Dictionary<(ObservationType, DateOnly), DayChunk>();
        foreach (var o in observations)
        {
            var ms = o.Time.ToUnixTimeMilliseconds();
            var key = (o.Type, DayChunk.DayOf(ms));
            var before = chunks.TryGetValue(key, out var c) ? c : DayChunk.Empty(o.Type, key.Item2);
            var after = chunks[key] = before.Merge([(ms, o.Value)]);
            if (!histories.TryGetValue(o.Type, out var h)) histories[o.Type] = h = TypeHistory.Empty(o.Type);
            h.Apply(after, before.Count);
        }
        return PatientSummary.From(histories.Values);
    }

    [Fact]
    public void Empty_HasNoCountsAndNoTimes()
    {
        var summary = From([]);

        Assert.Equal(0, summary.TotalObservations);
        Assert.Null(summary.First);
        Assert.Null(summary.Last);
        Assert.Empty(summary.ByType);
    }

    [Fact]
    public void CountsFirstLastAndLatestValue_PerType_OrderedByTypeCode()
    {
        // Deliberately not in time order, and types interleaved.
        Observation[] observations =
        [
            new(T(5), ObservationType.Steps, 9_000),
            new(T(3), ObservationType.Mood, 4),
            new(T(9), ObservationType.Mood, 7),
            new(T(1), ObservationType.Mood, 2),
            new(T(6), ObservationType.Phq9, 12),
            new(T(2), ObservationType.Steps, 3_000),
            new(T(7), ObservationType.Mood, 5),
        ];

        var summary = From(observations);

        Assert.Equal(7, summary.TotalObservations);
        Assert.Equal(T(1), summary.First);
        Assert.Equal(T(9), summary.Last);
        Assert.Equal(
            new[]
            {
                new ObservationTypeSummary("phq9", 1, T(6), T(6), 12, 12, null),
                new ObservationTypeSummary("mood", 4, T(1), T(9), 7, 5.333, 2),       // days 3–9: 4, 5, 7; days −4…2: 2
                new ObservationTypeSummary("steps", 2, T(2), T(5), 9_000, 6_000, null),
            },
            summary.ByType);
    }

    [Fact]
    public void Trend_compares_the_last_seven_days_daily_means_with_the_seven_before()
    {
        // Days 1–7: PHQ-9 10 (two readings on day 3: 9 and 11, daily mean 10); days 8–14: 14, with day 12 missing.
        var observations = Enumerable.Range(1, 14).Where(d => d != 12 && d != 3).Select(d => new Observation(T(d), ObservationType.Phq9, d <= 7 ? 10 : 14))
            .Append(new Observation(T(3, 7), ObservationType.Phq9, 9)).Append(new Observation(T(3, 9), ObservationType.Phq9, 11));
        var phq9 = Assert.Single(From(observations).ByType);
        Assert.Equal(14, phq9.RecentWeekMean);
        Assert.Equal(10, phq9.PreviousWeekMean);
    }

    [Fact]
    public void LatestValue_IsTheValueAtTheLatestTime_NotTheLastInserted()
    {
        Observation[] observations =
        [
            new(T(10), ObservationType.SleepHours, 8.5),  // latest in time, inserted first
            new(T(4), ObservationType.SleepHours, 5.0),
            new(T(8), ObservationType.SleepHours, 6.0),   // inserted last
        ];

        var sleep = Assert.Single(From(observations).ByType);

        Assert.Equal(8.5, sleep.LatestValue);
        Assert.Equal(T(4), sleep.First);
        Assert.Equal(T(10), sleep.Last);
    }

    [Fact]
    public void TimesWithOffsets_AreComparedAsInstants()
    {
        // 23:00 at -05:00 on the 1st is 04:00Z on the 2nd: later than 03:00Z on the 2nd.
        var late = new DateTimeOffset(2026, 2, 1, 23, 0, 0, TimeSpan.FromHours(-5));
        var early = new DateTimeOffset(2026, 2, 2, 3, 0, 0, TimeSpan.Zero);

        var mood = Assert.Single(From([new(late, ObservationType.Mood, 9), new(early, ObservationType.Mood, 1)]).ByType);

        Assert.Equal(9, mood.LatestValue);
        Assert.Equal(early, mood.First);
        Assert.Equal(late, mood.Last);
    }
}
