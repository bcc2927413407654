namespace NovaMind.Grains.Twins;

/// <summary>How long a twin answers forecasts from memory (new observations, a medication change or a new model version drop them sooner).</summary>
public sealed record ForecastCacheOptions
{
    /// <summary>Forecasts are made from the patient's last reading, so they age even when nothing new arrives; the calendar still moves on.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromMinutes(30);
}
