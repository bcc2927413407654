namespace NovaMind.Domain.Observations;

/// <summary>One UTC day of one observation type, summarised: what summaries, forecasts and correlations read.</summary>
public readonly record struct DailyAggregate(DateOnly Day, int Count, double Sum, double Min, double Max, double Last, long LastUnixMilliseconds)
{
    public double Mean => Sum / Count;
}

/// <summary>
/// The raw readings of one observation type on one UTC day, sorted by time, one reading per instant: the unit the history
/// store keeps (append-only per day; a later reading at the same instant replaces the earlier one).
/// </summary>
public sealed class DayChunk
{
    /// <summary>At most this many readings of one type per UTC day (one every ~1.7 s): keeps a chunk within one storage entity.</summary>
    public const int MaxReadings = 50_000;

    private DayChunk(ObservationType type, DateOnly day, long[] unixMilliseconds, double[] values)
    {
        Type = type;
        Day = day;
        UnixMilliseconds = unixMilliseconds;
        Values = values;
    }

    public ObservationType Type { get; }
    public DateOnly Day { get; }
    public long[] UnixMilliseconds { get; }
    public double[] Values { get; }
    public int Count => Values.Length;

    public static DayChunk Empty(ObservationType type, DateOnly day) => new(type, day, [], []);

    /// <summary>A chunk from stored columns; they must be of this day, sorted and without repeated instants.</summary>
    public static DayChunk FromColumns(ObservationType type, DateOnly day, long[] unixMilliseconds, double[] values)
    {
        if (unixMilliseconds.Length != values.Length) throw new ArgumentException("times and values differ in length");
        for (var i = 0; i < unixMilliseconds.Length; i++)
        {
            if (DayOf(unixMilliseconds[i]) != day) throw new ArgumentException($"reading {i} is not on {day:yyyy-MM-dd}");
            if (i > 0 && unixMilliseconds[i] <= unixMilliseconds[i - 1]) throw new ArgumentException("readings must be sorted by time, one per instant");
        }
        return new DayChunk(type, day, unixMilliseconds, values);
    }

    public static DateOnly DayOf(long unixMilliseconds) => DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime);

    /// <summary>This chunk with <paramref name="readings"/> (all of this day and type) merged in; a reading at an existing instant replaces it.</summary>
    public DayChunk Merge(IEnumerable<(long UnixMilliseconds, double Value)> readings)
    {
        var merged = new SortedDictionary<long, double>();
        for (var i = 0; i < Count; i++) merged[UnixMilliseconds[i]] = Values[i];
        foreach (var (ms, value) in readings)
        {
            if (DayOf(ms) != Day) throw new ArgumentException($"a reading at {ms} is not on {Day:yyyy-MM-dd}");
            merged[ms] = value;
        }
        return new DayChunk(Type, Day, [.. merged.Keys], [.. merged.Values]);
    }

    public DailyAggregate Aggregate()
    {
        if (Count == 0) throw new InvalidOperationException("an empty chunk has no aggregate");
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in Values)
        {
            sum += v;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return new DailyAggregate(Day, Count, sum, min, max, Values[^1], UnixMilliseconds[^1]);
    }
}
