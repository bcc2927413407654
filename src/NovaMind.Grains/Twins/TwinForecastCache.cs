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

    /// <summary>Changes with every <see cref="Clear"/>: a forecast started before the data changed is not kept (the twin serves reads while it writes).</summary>
    public long Generation { get; private set; }

    /// <summary>Keeps the forecast unless the data changed since <paramref name="generation"/> (then it is only returned).</summary>
    public Entry Put(string symptom, SymptomForecastDto forecast, DateTimeOffset now, long? generation = null)
    {
        var entry = new Entry(forecast, now);
        if (generation is null || generation == Generation) _entries[symptom] = entry;
        return entry;
    }

    public void Clear()
    {
        _entries.Clear();
        Generation++;
    }
}
