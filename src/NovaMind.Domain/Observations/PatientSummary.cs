namespace NovaMind.Domain.Observations;

public sealed record ObservationTypeSummary(string Type, int Count, DateTimeOffset First, DateTimeOffset Last, double LatestValue);

public sealed record PatientSummary(int TotalObservations, DateTimeOffset? First, DateTimeOffset? Last, IReadOnlyList<ObservationTypeSummary> ByType)
{
    /// <summary>The summary from each type's all-time totals (what a twin keeps however many raw readings it holds), by type code.</summary>
    public static PatientSummary From(IEnumerable<TypeHistory> histories)
    {
        var byType = histories
            .Where(h => h.Count > 0)
            .OrderBy(h => h.Type.Code)
            .Select(h => new ObservationTypeSummary(h.Type.Name, (int)Math.Min(int.MaxValue, h.Count),
                DateTimeOffset.FromUnixTimeMilliseconds(h.FirstUnixMilliseconds), DateTimeOffset.FromUnixTimeMilliseconds(h.LastUnixMilliseconds), h.LatestValue))
            .ToList();
        return byType.Count == 0
            ? new PatientSummary(0, null, null, [])
            : new PatientSummary((int)Math.Min(int.MaxValue, byType.Sum(t => (long)t.Count)), byType.Min(t => t.First), byType.Max(t => t.Last), byType);
    }
}
