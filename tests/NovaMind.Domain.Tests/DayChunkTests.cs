using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Tests;

public class DayChunkTests
{
    private static readonly DateOnly Day = new(2026, 5, 4);
    private static long Ms(int minute) => new DateTimeOffset(Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMinutes(minute).ToUnixTimeMilliseconds();

    [Fact]
    public void Merge_keeps_one_reading_per_instant_the_newest_value_in_time_order()
    {
        var chunk = DayChunk.Empty(ObservationType.RestingHr, Day).Merge([(Ms(10), 60), (Ms(5), 58)]).Merge([(Ms(10), 61), (Ms(7), 59)]);
        Assert.Equal([Ms(5), Ms(7), Ms(10)], chunk.UnixMilliseconds);
        Assert.Equal([58.0, 59, 61], chunk.Values);
        Assert.Throws<ArgumentException>(() => chunk.Merge([(Ms(24 * 60), 1)])); // midnight belongs to the next day
    }

    [Fact]
    public void The_aggregate_is_count_sum_min_max_and_the_last_reading()
    {
        var a = DayChunk.Empty(ObservationType.Mood, Day).Merge([(Ms(600), 4), (Ms(60), 7), (Ms(1200), 5.5)]).Aggregate();
        Assert.Equal(new DailyAggregate(Day, 3, 16.5, 4, 7, 5.5, Ms(1200)), a);
        Assert.Equal(5.5, a.Mean);
    }

    [Fact]
    public void History_totals_follow_rewritten_chunks_and_the_window_drops_old_days()
    {
        var h = TypeHistory.Empty(ObservationType.Steps);
        var first = DayChunk.Empty(ObservationType.Steps, Day).Merge([(Ms(1), 100), (Ms(2), 200)]);
        h.Apply(first, previousCount: 0);
        h.Apply(first.Merge([(Ms(2), 250), (Ms(3), 300)]), previousCount: first.Count); // one replaced, one added
        Assert.Equal((3L, Ms(1), Ms(3), 300.0), (h.Count, h.FirstUnixMilliseconds, h.LastUnixMilliseconds, h.LatestValue));
        Assert.Equal(650, h.Day(Day)!.Value.Sum);

        // A late reading on an earlier day changes totals but not the latest value.
        var earlier = Day.AddDays(-3);
        var late = DayChunk.Empty(ObservationType.Steps, earlier).Merge([(Ms(1) - 3 * 86_400_000L, 10)]);
        h.Apply(late, previousCount: 0);
        Assert.Equal((4L, 300.0), (h.Count, h.LatestValue));

        var far = Day.AddDays(TypeHistory.WindowDays);
        h.Apply(DayChunk.Empty(ObservationType.Steps, far).Merge([(Ms(0) + TypeHistory.WindowDays * 86_400_000L, 1)]), 0);
        Assert.Null(h.Day(earlier)); // left the window; still counted
        Assert.Null(h.Day(Day));
        Assert.Equal(5, h.Count);
    }
}
