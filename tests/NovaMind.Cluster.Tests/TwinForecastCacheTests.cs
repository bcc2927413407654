using NovaMind.Contracts;
using NovaMind.Grains.Twins;

namespace NovaMind.Cluster.Tests;

/// <summary>The twin's cache rules without a cluster: version, time to live, symptom, clearing.</summary>
public sealed class TwinForecastCacheTests
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 8, 0, 0, TimeSpan.Zero);

    private static SymptomForecastDto Forecast(string version) => new(ForecastStatus.Ok, version, new DateOnly(2026, 6, 30), [5], [4], [6], [3], [7], null);

    [Fact]
    public void An_entry_serves_its_symptom_and_version_until_the_time_to_live_ends()
    {
        var cache = new TwinForecastCache(TimeSpan.FromMinutes(30));
        var stored = cache.Put("mood", Forecast("0.3.0"), T0);

        Assert.Same(stored, cache.Get("mood", "0.3.0", T0.AddMinutes(29.9)));
        Assert.Null(cache.Get("mood", "0.3.0", T0.AddMinutes(30))); // expired
        Assert.Null(cache.Get("mood", "0.4.0", T0.AddMinutes(1)));  // another model version is served now
        Assert.Null(cache.Get("phq9", "0.3.0", T0.AddMinutes(1)));  // another symptom
    }

    [Fact]
    public void Clearing_drops_every_symptom_and_a_new_put_replaces_the_old_entry()
    {
        var cache = new TwinForecastCache(TimeSpan.FromMinutes(30));
        cache.Put("mood", Forecast("0.3.0"), T0);
        cache.Put("gad7", Forecast("0.3.0"), T0);
        cache.Clear();
        Assert.Null(cache.Get("mood", "0.3.0", T0));
        Assert.Null(cache.Get("gad7", "0.3.0", T0));

        cache.Put("mood", Forecast("0.3.0"), T0);
        var newer = cache.Put("mood", Forecast("0.3.0"), T0.AddMinutes(20));
        Assert.Same(newer, cache.Get("mood", "0.3.0", T0.AddMinutes(45)));
    }
}
