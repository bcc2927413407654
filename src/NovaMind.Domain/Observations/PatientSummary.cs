namespace NovaMind.Domain.Observations;

/// <param name="RecentWeekMean">Mean of the daily means over the 7 calendar days ending on the type's last day (null if none).</param>
/// <param name="PreviousWeekMean">The same over the 7 days before those: with <paramref name="RecentWeekMean"/>, the recent trend.</param>
public sealed record ObservationTypeSummary(string Type, int Count, DateTimeOffset First, DateTimeOffset Last, double LatestValue,
    double? RecentWeekMean = null, double? PreviousWeekMean = null);

public sealed record PatientSummary(int TotalObservations, DateTimeOffset? First, DateTimeOffset? Last, IReadOnlyList<ObservationTypeSummary> ByType)
{
    /// <summary>The summary from each type's all-time totals (what a twin keeps however many raw readings it holds), by type code.</summary>
    public static PatientSummary From(IEnumerable<TypeHistory> histories)
    {
        var byType = histories
            .Where(h => h.Count > 0)
            .OrderBy(h => h.Type.Code)
            .Select(h =>
            {
                var last = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(h.LastUnixMilliseconds).UtcDateTime);
                return new ObservationTypeSummary(h.Type.Name, (int)Math.Min(int.MaxValue, h.Count),
                    DateTimeOffset.FromUnixTimeMilliseconds(h.FirstUnixMilliseconds), DateTimeOffset.FromUnixTimeMilliseconds(h.LastUnixMilliseconds), h.LatestValue,
                    MeanOfDays(h, last.AddDays(-6), last), MeanOfDays(h, last.AddDays(-13), last.AddDays(-7)));
            })
            .ToList();
        return byType.Count == 0
            ? new PatientSummary(0, null, null, [])
            : new PatientSummary((int)Math.Min(int.MaxValue, byType.Sum(t => (long)t.Count)), byType.Min(t => t.First), byType.Max(t => t.Last), byType);
    }

    /// <summary>Mean of the daily means of the days from <paramref name="from"/> to <paramref name="to"/> (inclusive) that have readings; null if none.</summary>
    private static double? MeanOfDays(TypeHistory h, DateOnly from, DateOnly to)
    {
        var days = h.Days.Where(d => d.Day >= from && d.Day <= to && d.Count > 0).ToList();
        return days.Count == 0 ? null : Math.Round(days.Average(d => d.Mean), 3);
    }
}
