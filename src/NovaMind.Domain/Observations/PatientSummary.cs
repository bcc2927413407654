namespace NovaMind.Domain.Observations;

public sealed record ObservationTypeSummary(string Type, int Count, DateTimeOffset First, DateTimeOffset Last, double LatestValue);

public sealed record PatientSummary(int TotalObservations, DateTimeOffset? First, DateTimeOffset? Last, IReadOnlyList<ObservationTypeSummary> ByType)
{
    public static PatientSummary From(IEnumerable<Observation> observations)
    {
        var byType = observations
            .GroupBy(o => o.Type)
            .OrderBy(g => g.Key.Code)
            .Select(g =>
            {
                var ordered = g.OrderBy(o => o.Time).ToList();
                return new ObservationTypeSummary(g.Key.Name, ordered.Count, ordered[0].Time, ordered[^1].Time, ordered[^1].Value);
            })
            .ToList();
        return byType.Count == 0
            ? new PatientSummary(0, null, null, [])
            : new PatientSummary(byType.Sum(t => t.Count), byType.Min(t => t.First), byType.Max(t => t.Last), byType);
    }
}
