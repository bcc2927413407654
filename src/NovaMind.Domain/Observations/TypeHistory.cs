namespace NovaMind.Domain.Observations;

/// <summary>
/// Everything a twin keeps in memory about one observation type, however many raw readings there are: all-time totals
/// (count, first and last time, latest value) and the daily aggregates of the last <see cref="WindowDays"/> days (the
/// longest lookback a model or analysis uses is 730 days). Raw readings live in day chunks in the history store.
/// </summary>
public sealed class TypeHistory
{
    public const int WindowDays = 800;

    public TypeHistory(ObservationType type, long count, long firstUnixMilliseconds, long lastUnixMilliseconds, double latestValue, IEnumerable<DailyAggregate> days)
    {
        Type = type;
        Count = count;
        FirstUnixMilliseconds = firstUnixMilliseconds;
        LastUnixMilliseconds = lastUnixMilliseconds;
        LatestValue = latestValue;
        foreach (var d in days) _days[d.Day] = d;
    }

    public static TypeHistory Empty(ObservationType type) => new(type, 0, long.MaxValue, long.MinValue, double.NaN, []);

    private readonly SortedDictionary<DateOnly, DailyAggregate> _days = [];

    public ObservationType Type { get; }
    public long Count { get; private set; }
    public long FirstUnixMilliseconds { get; private set; }
    public long LastUnixMilliseconds { get; private set; }
    public double LatestValue { get; private set; }
    public IReadOnlyCollection<DailyAggregate> Days => _days.Values;

    /// <summary>The aggregate of one day, if that day (within the window) has readings.</summary>
    public DailyAggregate? DayOf(DateOnly day) => _days.TryGetValue(day, out var d) ? d : null;

    /// <summary>
    /// Applies a day chunk as rewritten by an ingest: <paramref name="previousCount"/> readings of that day before it (the
    /// chunk as it was read, or as the rewritten chunk recorded). Idempotent for the same (chunk, previous count).
    /// </summary>
    public void Apply(DayChunk chunk, int previousCount)
    {
        if (chunk.Type != Type) throw new ArgumentException($"a {chunk.Type.Name} chunk applied to {Type.Name}");
        if (chunk.Count == 0) return;
        var aggregate = chunk.Aggregate();
        Count += chunk.Count - previousCount;
        FirstUnixMilliseconds = Math.Min(FirstUnixMilliseconds, chunk.UnixMilliseconds[0]);
        if (aggregate.LastUnixMilliseconds >= LastUnixMilliseconds)
        {
            LastUnixMilliseconds = aggregate.LastUnixMilliseconds;
            LatestValue = aggregate.Last;
        }
        _days[chunk.Day] = aggregate;
        var newest = _days.Keys.Max();
        foreach (var old in _days.Keys.Where(d => d.DayNumber <= newest.DayNumber - WindowDays).ToList()) _days.Remove(old);
    }

    /// <summary>The aggregate stored for <paramref name="day"/>, if the day is in the window and has readings.</summary>
    public DailyAggregate? Day(DateOnly day) => _days.TryGetValue(day, out var d) ? d : null;
}
