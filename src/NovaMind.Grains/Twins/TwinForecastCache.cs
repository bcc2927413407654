using NovaMind.Contracts;

namespace NovaMind.Grains.Twins;

/// <summary>
/// A twin's forecasts by symptom, in memory only. An entry serves while it was made by the model version the silo
/// serves now and is younger than the time to live; the twin clears it when the data behind it changes.
/// </summary>
public sealed class TwinForecastCache(TimeSpan timeToLive)
{
    public sealed record Entry(SymptomForecastDto Forecast, DateTimeOffset GeneratedAt);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public Entry? Get(string symptom, string modelVersion, DateTimeOffset now) =>
        _entries.TryGetValue(symptom, out var e) && e.Forecast.ModelVersion == modelVersion && now - e.GeneratedAt < timeToLive ? e : null;

    public Entry Put(string symptom, SymptomForecastDto forecast, DateTimeOffset now) => _entries[symptom] = new Entry(forecast, now);

    public void Clear() => _entries.Clear();
}
