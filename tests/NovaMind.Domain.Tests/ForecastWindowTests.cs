using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Tests;

public class ForecastWindowTests
{
    private static readonly DateOnly Day0 = new(2026, 1, 1);

    private static Observation Mood(int dayOffset, double value) =>
        new(new DateTimeOffset(Day0.AddDays(dayOffset).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero), ObservationType.Mood, value);

    [Fact]
    public void Constants_AreTheDocumentedOnes()
    {
        Assert.Equal(28, ForecastWindow.Length);
        Assert.Equal(14, ForecastWindow.MinimumObservedDays);
    }

    [Fact]
    public void Scale_MapsTheTypeRangeToZeroOne()
    {
        Assert.Equal(0, ForecastWindow.Scale(ObservationType.RestingHr, 20));
        Assert.Equal(1, ForecastWindow.Scale(ObservationType.RestingHr, 250));
        Assert.Equal(0.5, ForecastWindow.Scale(ObservationType.RestingHr, 135));
        Assert.Equal(0.25, ForecastWindow.Scale(ObservationType.Mood, 2.5));
        Assert.Equal(77.5, ForecastWindow.Unscale(ObservationType.RestingHr, 0.25));
    }

    [Fact]
    public void ScaleThenUnscale_RoundTripsForEveryType()
    {
        foreach (var type in ObservationType.All)
            for (var k = 0; k <= 20; k++)
            {
                var value = type.Min + (type.Max - type.Min) * k / 20.0;
                var scaled = ForecastWindow.Scale(type, value);
                Assert.InRange(scaled, 0, 1);
                Assert.Equal(value, ForecastWindow.Unscale(type, scaled), 1e-9 * Math.Max(1, type.Max));
            }
    }

    [Fact]
    public void TryBuild_BelowMinimumObservedDays_ReturnsNullAndReportsTheCount()
    {
        var observations = Enumerable.Range(0, 13).Select(d => Mood(d * 2, 5)).ToList(); // 13 days over 25

        Assert.Null(ForecastWindow.TryBuild(observations, ObservationType.Mood, out var observedDays));
        Assert.Equal(13, observedDays);
    }

    [Fact]
    public void TryBuild_AtMinimumObservedDays_BuildsAWindow()
    {
        var observations = Enumerable.Range(0, 14).Select(d => Mood(d * 2, 5)).ToList(); // 14 days over 27

        var window = ForecastWindow.TryBuild(observations, ObservationType.Mood, out var observedDays);

        Assert.NotNull(window);
        Assert.Equal(14, observedDays);
        Assert.Equal(14f, window.Mask.Sum());
    }

    [Fact]
    public void TryBuild_WithNoReadingsOfTheType_ReturnsNull()
    {
        Observation[] other = [new(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero), ObservationType.Steps, 5000)];

        Assert.Null(ForecastWindow.TryBuild(other, ObservationType.Mood, out var observedDays));
        Assert.Equal(0, observedDays);
    }

    [Fact]
    public void TryBuild_CountsOnlyDaysInsideTheWindow()
    {
        // 40 consecutive days, then a 20-day gap, then one day: only 1 + 8 days fall in the last 28.
        var observations = Enumerable.Range(0, 40).Select(d => Mood(d, 5)).Append(Mood(59, 5)).ToList();

        Assert.Null(ForecastWindow.TryBuild(observations, ObservationType.Mood, out var observedDays));
        Assert.Equal(9, observedDays);
    }

    [Fact]
    public void TryBuild_WindowEndsOnTheLastObservedDay_WithScaledFilledValuesAndMask()
    {
        // Observed: days 10..39 except 20, 21, 30; day 39 is last. Other types later than day 39 must not move the window.
        var days = Enumerable.Range(10, 30).Where(d => d is not (20 or 21 or 30)).ToList();
        var observations = days.Select(d => Mood(d, d % 10)).ToList();
        observations.Add(new(new DateTimeOffset(Day0.AddDays(50).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), ObservationType.SleepHours, 7));

        var window = ForecastWindow.TryBuild(observations, ObservationType.Mood, out var observedDays);

        Assert.NotNull(window);
        Assert.Same(ObservationType.Mood, window.Type);
        Assert.Equal(Day0.AddDays(39), window.LastDay);
        Assert.Equal(25, observedDays); // window days 12..39 minus 20, 21, 30
        Assert.Equal(ForecastWindow.Length, window.Scaled.Length);
        Assert.Equal(ForecastWindow.Length, window.Mask.Length);
        for (var i = 0; i < ForecastWindow.Length; i++)
        {
            var day = 12 + i;
            var observed = day is not (20 or 21 or 30);
            Assert.Equal(observed ? 1f : 0f, window.Mask[i]);
            var carriedDay = observed ? day : day is 20 or 21 ? 19 : 29;
            Assert.Equal((float)((carriedDay % 10) / 10.0), window.Scaled[i]);
        }
        Assert.Equal(0.9f, window.Scaled[^1]);
        Assert.Equal(1f, window.Mask[^1]);
    }

    [Fact]
    public void TryBuild_LeadingGapInTheWindow_IsFilledWithTheFirstObservedValue()
    {
        // First reading on day 10 of a window ending on day 27.
        var observations = Enumerable.Range(10, 18).Select(d => Mood(d, d == 10 ? 3 : 6)).ToList();

        var window = ForecastWindow.TryBuild(observations, ObservationType.Mood, out _);

        Assert.NotNull(window);
        Assert.Equal(Day0.AddDays(27), window.LastDay);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(0f, window.Mask[i]);
            Assert.Equal(0.3f, window.Scaled[i]);
        }
        Assert.Equal(1f, window.Mask[10]);
        Assert.Equal(0.3f, window.Scaled[10]);
        Assert.Equal(0.6f, window.Scaled[11]);
    }

    [Fact]
    public void TryBuild_AtAnExplicitDayThatWasNotObserved_ReturnsNull()
    {
        var observations = Enumerable.Range(0, 28).Select(d => Mood(d, 5)).ToList();

        Assert.NotNull(ForecastWindow.TryBuild(observations, ObservationType.Mood, Day0.AddDays(27), out _));
        Assert.Null(ForecastWindow.TryBuild(observations, ObservationType.Mood, Day0.AddDays(28), out var observedDays));
        Assert.Equal(27, observedDays);
    }
}
