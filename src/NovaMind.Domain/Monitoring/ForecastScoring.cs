namespace NovaMind.Domain.Monitoring;

/// <summary>
/// A forecast a twin served, kept until its days have been observed (issue 16: online validation). Values as served
/// (the personalised ensemble's mean and conformal intervals), one entry per horizon day; <see cref="ScoredHorizons"/>
/// has bit h−1 set once horizon h was scored, so no day is counted twice.
/// </summary>
public sealed record ServedForecast(
    string ModelVersion, string Symptom, DateOnly Origin, DateTimeOffset ServedAt,
    float[] Mean, float[] Lower80, float[] Upper80, float[] Lower95, float[] Upper95, ulong ScoredHorizons = 0)
{
    public const int MaxHorizon = 63;

    public int Horizon => Mean.Length;

    public bool IsScored(int horizon) => (ScoredHorizons & (1UL << (horizon - 1))) != 0;

    public bool AllScored => ScoredHorizons == (1UL << Horizon) - 1; // Horizon ≤ MaxHorizon = 63
}

/// <summary>One realised forecast point: how far the served mean was from the day's observed mean, and whether the
/// 80 % and 95 % intervals held it.</summary>
public readonly record struct ScoredPoint(string ModelVersion, string Symptom, int Horizon, DateOnly Day, double AbsoluteError, bool In80, bool In95)
{
    public string Bucket => HorizonBuckets.Of(Horizon);
}

/// <summary>Horizons are reported in three buckets: the first week, the second, and beyond (up to 28 days).</summary>
public static class HorizonBuckets
{
    public static readonly string[] All = ["1-7", "8-14", "15-28"];

    public static string Of(int horizon) => horizon switch
    {
        < 1 => throw new ArgumentOutOfRangeException(nameof(horizon)),
        <= 7 => "1-7",
        <= 14 => "8-14",
        _ => "15-28",
    };

    public static (int First, int Last) Range(string bucket) => bucket switch
    {
        "1-7" => (1, 7),
        "8-14" => (8, 14),
        "15-28" => (15, 28),
        _ => throw new ArgumentException($"unknown horizon bucket '{bucket}'", nameof(bucket)),
    };
}

/// <summary>
/// Scores served forecasts against what was later observed. A forecast day counts once the day is over (before
/// <c>today</c>, UTC) and has at least one reading of the symptom; its observed value is that day's mean (the quantity the
/// models forecast). A forecast is kept until every horizon was scored or until its last day is
/// <see cref="Grace"/> past without a reading (late uploads still count within it).
/// </summary>
public static class ForecastScoring
{
    public static readonly TimeSpan Grace = TimeSpan.FromDays(7);

    /// <param name="observedDailyMean">The day's mean reading of the symptom, or null when the day has none.</param>
    public static (IReadOnlyList<ServedForecast> Kept, IReadOnlyList<ScoredPoint> Points, int Dropped) Score(
        IReadOnlyList<ServedForecast> served, Func<string, DateOnly, double?> observedDailyMean, DateOnly today, DateTimeOffset now)
    {
        var kept = new List<ServedForecast>(served.Count);
        var points = new List<ScoredPoint>();
        var dropped = 0;
        foreach (var forecast in served)
        {
            var scored = forecast.ScoredHorizons;
            for (var h = 1; h <= forecast.Horizon; h++)
            {
                var day = forecast.Origin.AddDays(h);
                if (forecast.IsScored(h) || day >= today) continue;
                if (observedDailyMean(forecast.Symptom, day) is not { } actual) continue;
                var i = h - 1;
                points.Add(new ScoredPoint(forecast.ModelVersion, forecast.Symptom, h, day, Math.Abs(actual - forecast.Mean[i]),
                    forecast.Lower80[i] <= actual && actual <= forecast.Upper80[i], forecast.Lower95[i] <= actual && actual <= forecast.Upper95[i]));
                scored |= 1UL << i;
            }
            var updated = forecast with { ScoredHorizons = scored };
            var lastDay = forecast.Origin.AddDays(forecast.Horizon);
            var expired = now > forecast.ServedAt + TimeSpan.FromDays(forecast.Horizon) + Grace && lastDay < today.AddDays(-(int)Grace.TotalDays);
            if (updated.AllScored || expired) dropped++;
            else kept.Add(updated);
        }
        return (kept, points, dropped);
    }
}
