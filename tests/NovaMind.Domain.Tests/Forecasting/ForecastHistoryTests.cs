using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Tests.Forecasting;

public class ForecastHistoryTests
{
    private static readonly DateOnly Day0 = new(2026, 1, 1);

    private static Observation At(ObservationType type, int day, double value, int hour = 9) =>
        new(new DateTimeOffset(Day0.AddDays(day).ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero), type, value);

    [Fact]
    public void The_origin_is_the_last_day_of_that_symptom_and_only_its_28_day_window_counts()
    {
        // Mood on days 0..38 except every third day from day 12 on, an evening reading on day 39 and a second one on day 38;
        // PHQ-9 later than mood must not move mood's origin.
        var observations = Enumerable.Range(0, 39).Where(d => d < 12 || d % 3 != 0).Select(d => At(ObservationType.Mood, d, 5))
            .Append(At(ObservationType.Phq9, 45, 10)).Append(At(ObservationType.Mood, 39, 6, hour: 20)).Append(At(ObservationType.Mood, 38, 4, hour: 21)).ToList();

        var (origin, observed) = ForecastHistory.Assess(observations, ObservationType.Mood);

        Assert.Equal(Day0.AddDays(39), origin);
        // Window days 12..39: 28 days, of which days 12, 15, …, 36 (9 days) are missing → 19 observed; day 38's two readings count once.
        Assert.Equal(19, observed);
        Assert.True(ForecastHistory.IsSufficient(observed));
    }

    [Fact]
    public void Thirteen_observed_days_are_not_enough_and_the_message_says_what_is_needed()
    {
        var observations = Enumerable.Range(0, 13).Select(d => At(ObservationType.Gad7, d * 2, 7)).ToList();
        var (origin, observed) = ForecastHistory.Assess(observations, ObservationType.Gad7);

        Assert.Equal(Day0.AddDays(24), origin);
        Assert.Equal(13, observed);
        Assert.False(ForecastHistory.IsSufficient(observed));
        Assert.Equal("a gad7 forecast needs at least 14 observed days of gad7 within the last 28 days up to the latest gad7 reading; this patient has 13",
            ForecastHistory.Requirement(ObservationType.Gad7, observed));
    }

    [Fact]
    public void A_symptom_never_observed_has_no_origin()
    {
        Assert.Equal((null, 0), ForecastHistory.Assess([At(ObservationType.SleepHours, 3, 7)], ObservationType.Phq9));
        Assert.Equal(["mood", "phq9", "gad7"], ForecastHistory.Symptoms.Select(s => s.Name));
    }
}
