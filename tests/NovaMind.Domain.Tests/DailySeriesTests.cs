using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Tests;

public class DailySeriesTests
{
    private static readonly DateOnly End = new(2026, 3, 7);

    private static Observation Mood(int day, double value, int hour = 8, int offsetHours = 0) =>
        new(new DateTimeOffset(2026, 3, day, hour, 0, 0, TimeSpan.FromHours(offsetHours)), ObservationType.Mood, value);

    [Fact]
    public void Build_CoversTheDaysEndingOnEnd()
    {
        var series = DailySeries.Build([], ObservationType.Mood, End, 7);

        Assert.Equal(new DateOnly(2026, 3, 1), series.Start);
        Assert.Equal(End, series.End);
        Assert.Equal(7, series.Days);
        Assert.Equal(0, series.ObservedDays);
        Assert.All(series.Observed, Assert.False);
    }

    [Fact]
    public void Build_RejectsFewerThanOneDay()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DailySeries.Build([], ObservationType.Mood, End, 0));
    }

    [Fact]
    public void Build_AveragesSeveralReadingsOfADay_AndMasksMissingDays()
    {
        Observation[] observations =
        [
            Mood(1, 2, hour: 7),
            Mood(1, 4, hour: 12),
            Mood(1, 9, hour: 23),
            Mood(3, 6),
            Mood(7, 1, hour: 0),
            Mood(7, 2, hour: 23),
            new(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero), ObservationType.SleepHours, 7), // other type: ignored
        ];

        var series = DailySeries.Build(observations, ObservationType.Mood, End, 7);

        Assert.Equal(new[] { 5.0, 0, 6, 0, 0, 0, 1.5 }, series.Values);
        Assert.Equal(new[] { true, false, true, false, false, false, true }, series.Observed);
        Assert.Equal(3, series.ObservedDays);
    }

    [Fact]
    public void Build_UsesUtcDayBoundaries()
    {
        Observation[] observations =
        [
            Mood(3, 4, hour: 23, offsetHours: -2), // 01:00Z on the 4th
            Mood(3, 8, hour: 1, offsetHours: 2),   // 23:00Z on the 2nd
            Mood(5, 6, hour: 0),                   // 00:00Z on the 5th, the first instant of the day
        ];

        var series = DailySeries.Build(observations, ObservationType.Mood, End, 7);

        Assert.Equal(new[] { false, true, false, true, true, false, false }, series.Observed);
        Assert.Equal(8, series.Values[1]);
        Assert.Equal(4, series.Values[3]);
        Assert.Equal(6, series.Values[4]);
    }

    [Fact]
    public void Build_IgnoresReadingsOutsideTheWindow()
    {
        Observation[] observations =
        [
            new(new DateTimeOffset(2026, 2, 28, 23, 59, 59, TimeSpan.Zero), ObservationType.Mood, 9),
            Mood(1, 3, hour: 0),
            new(new DateTimeOffset(2026, 3, 8, 0, 0, 0, TimeSpan.Zero), ObservationType.Mood, 9),
        ];

        var series = DailySeries.Build(observations, ObservationType.Mood, End, 7);

        Assert.Equal(1, series.ObservedDays);
        Assert.True(series.Observed[0]);
        Assert.Equal(3, series.Values[0]);
    }

    [Fact]
    public void ForwardFilled_CarriesLastValue_AndFillsALeadingGapWithTheFirstObservedValue()
    {
        var series = DailySeries.Build([Mood(3, 5), Mood(5, 7)], ObservationType.Mood, End, 7);

        Assert.Equal(new[] { 5.0, 5, 5, 5, 7, 7, 7 }, series.ForwardFilled());
        // The raw values and mask are untouched.
        Assert.Equal(new[] { 0.0, 0, 5, 0, 7, 0, 0 }, series.Values);
    }

    [Fact]
    public void ForwardFilled_OfAnEmptySeries_IsZeros()
    {
        var series = DailySeries.Build([], ObservationType.Mood, End, 4);
        Assert.Equal(new double[4], series.ForwardFilled());
    }

    [Fact]
    public void ForwardFilled_ObservedZero_IsCarriedAsZero()
    {
        var series = DailySeries.Build([Mood(2, 4), Mood(4, 0)], ObservationType.Mood, End, 7);
        Assert.Equal(new[] { 4.0, 4, 4, 0, 0, 0, 0 }, series.ForwardFilled());
    }

    [Fact]
    public void LastObservedDay_IsTheUtcDayOfTheLatestReadingOfThatType()
    {
        Observation[] observations =
        [
            Mood(4, 5),
            Mood(2, 5),
            Mood(5, 5, hour: 22, offsetHours: -4), // 02:00Z on the 6th
            new(new DateTimeOffset(2026, 3, 20, 8, 0, 0, TimeSpan.Zero), ObservationType.Steps, 100), // other type
        ];

        Assert.Equal(new DateOnly(2026, 3, 6), DailySeries.LastObservedDay(observations, ObservationType.Mood));
        Assert.Equal(new DateOnly(2026, 3, 20), DailySeries.LastObservedDay(observations, ObservationType.Steps));
        Assert.Null(DailySeries.LastObservedDay(observations, ObservationType.Phq9));
        Assert.Null(DailySeries.LastObservedDay([], ObservationType.Mood));
    }
}
