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

    // Periodic assessments: mood on days 0..111 (112 days, optionally only from some day or every n-th day), PHQ-9 or
    // GAD-7 on the listed days.
    public static TheoryData<string, string, int, int, int[], bool, string, int, int?, int> Assessments => new()
    {
        // symptom, case, mood from day, mood every n-th day, assessment days, sufficient, mode, usable, days since latest, mood days
        { "phq9", "biweekly, 8 visits", 0, 1, [13, 27, 41, 55, 69, 83, 97, 111], true, "Assessments", 8, 0, 28 },
        { "phq9", "4 visits, the latest 5 days before the last mood", 0, 1, [62, 76, 92, 106], true, "Assessments", 4, 5, 28 },
        { "phq9", "3 visits", 0, 1, [83, 97, 111], false, "Assessments", 3, 0, 28 },
        { "phq9", "latest visit 42 days before the last mood", 0, 1, [13, 27, 41, 55, 69], false, "Assessments", 5, 42, 28 },
        { "gad7", "no mood before day 90: early visits have no recall window", 90, 1, [13, 27, 41, 55, 69, 83, 97, 111], false, "Assessments", 2, 0, 22 },
        { "gad7", "mood every third day: 10 of 28 days (the windows of days 41 and 83 hold 4 mood days)", 0, 3, [13, 27, 41, 55, 69, 83, 97, 111], false, "Assessments", 6, 0, 10 },
        { "phq9", "daily PHQ-9 on 20 of the last 28 days", 0, 1, [.. Enumerable.Range(84, 28).Where(d => d % 7 < 5)], true, "Daily", 0, null, 0 },
        { "mood", "mood is never forecast from assessments", 100, 1, [], false, "Daily", 0, null, 0 },
    };

    [Theory]
    [MemberData(nameof(Assessments))]
    public void Questionnaires_taken_periodically_are_forecast_from_assessments_counted_as_assessments(
        string symptom, string description, int moodFrom, int moodEvery, int[] assessments, bool sufficient, string mode, int usable, int? daysSince, int moodDays)
    {
        Assert.True(ObservationType.TryParse(symptom, out var type), description);
        var observations = Enumerable.Range(moodFrom, 112 - moodFrom).Where(d => (d - moodFrom) % moodEvery == 0).Select(d => At(ObservationType.Mood, d, 5, hour: 20))
            .Concat(assessments.Select(d => At(type, d, 12, hour: 10))).ToList();

        var readiness = ForecastHistory.Evaluate(observations, type);

        Assert.Equal((sufficient, mode, usable, daysSince, moodDays),
            (readiness.Sufficient, readiness.Mode.ToString(), readiness.UsableAssessments, readiness.DaysSinceLatestAssessment, readiness.MoodDays));
        Assert.Equal(sufficient, readiness.Problem is null);
        if (sufficient && mode == "Assessments") Assert.Equal(Day0.AddDays(111 - (111 - moodFrom) % moodEvery), readiness.Origin); // mood's origin
    }

    [Fact]
    public void The_assessment_rule_says_what_it_counts()
    {
        var observations = Enumerable.Range(0, 112).Select(d => At(ObservationType.Mood, d, 5, hour: 20))
            .Concat(new[] { 83, 97, 111 }.Select(d => At(ObservationType.Phq9, d, 12, hour: 10))).ToList();

        Assert.Equal("a phq9 forecast needs phq9 on at least 14 of the last 28 days, or, from periodic assessments, at least 4 phq9 assessments with " +
                     "daily mood on at least 5 of the 14 days up to each, the latest within 28 days of the latest mood reading, and mood on at least 14 of " +
                     "the last 28 days; this patient has phq9 on 2 of the last 28 days, 3 such assessments, the latest 0 days before the latest mood reading, and mood on 28 " +
                     "of the last 28 days",
            ForecastHistory.Evaluate(observations, ObservationType.Phq9).Problem);
    }
}
