using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Ml.Forecasting.Assessments;
using NovaMind.Ml.Forecasting.Statistical;
using NovaMind.Simulation;

namespace NovaMind.Ml.Tests.Forecasting;

/// <summary>PHQ-9/GAD-7 from periodic assessments: the recall-window pairs, the line, the forecast and its intervals (reference values from scipy).</summary>
public sealed class AssessmentForecasterTests
{
    private static readonly DateOnly Day0 = new(2026, 1, 1);

    private static Observation At(ObservationType type, int day, double value, int hour = 20) =>
        new(new DateTimeOffset(Day0.AddDays(day).ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero), type, value);

    [Fact]
    public void Each_assessment_is_paired_with_the_mean_mood_of_its_two_week_recall_window()
    {
        // Mood = day index on days 0..59 except days 30..40 (missing); PHQ-9 on days 13, 27, 41 and 55.
        var observations = Enumerable.Range(0, 60).Where(d => d < 30 || d > 40).Select(d => At(ObservationType.Mood, d, d % 10))
            .Concat(new[] { 13, 27, 41, 55 }.Select(d => At(ObservationType.Phq9, d, d / 2.0, hour: 9))).ToList();

        var points = AssessmentForecaster.Points(observations, ObservationType.Phq9);

        // Day 41's window (28..41) holds mood only on days 28, 29 and 41: fewer than 5, so it is not paired.
        Assert.Equal([13, 27, 55], points.Select(p => p.Day.DayNumber - Day0.DayNumber));
        Assert.Equal(Enumerable.Range(0, 14).Average(d => d % 10), points[0].RecallMood, 12);
        Assert.Equal(Enumerable.Range(14, 14).Average(d => d % 10), points[1].RecallMood, 12);
        Assert.Equal(Enumerable.Range(42, 14).Average(d => d % 10), points[2].RecallMood, 12);
        Assert.Equal(27.5, points[2].Score);
    }

    [Fact]
    public void The_line_is_least_squares_on_the_latest_assessments_and_needs_four()
    {
        AssessmentPoint P(int day, double mood, double score) => new(Day0.AddDays(day), score, mood);
        var exact = Enumerable.Range(0, 15).Select(k => P(14 * k, 3 + k % 4, 20 - 2 * (3 + k % 4))).ToList();

        var fit = AssessmentForecaster.Fit(exact)!;

        Assert.Equal((20, -2, 0, 12), (Math.Round(fit.Intercept, 9), Math.Round(fit.Slope, 9), Math.Round(fit.ResidualSd, 9), fit.Assessments));
        Assert.Null(AssessmentForecaster.Fit(exact.Take(3).ToList()));
        // Mood that never moved: a flat line at the mean score.
        var flat = AssessmentForecaster.Fit([P(0, 5, 10), P(14, 5, 12), P(28, 5, 14), P(42, 5, 12)])!;
        Assert.Equal((0, 12), (flat.Slope, flat.Intercept));
        Assert.Equal(Math.Sqrt(8.0 / 2), flat.ResidualSd, 12);
    }

    [Fact]
    public void A_forecast_reads_the_line_at_the_recall_mood_of_observed_then_forecast_days_with_t_intervals()
    {
        var fit = new AssessmentFit(Intercept: 20, Slope: -2, ResidualSd: 1, Assessments: 6, MoodMean: 5, MoodSumOfSquares: 10);
        var mood = DailySeries.Build(Enumerable.Range(0, 40).Select(d => At(ObservationType.Mood, d, 5)), ObservationType.Mood, Day0.AddDays(39), 40);

        var f = AssessmentForecaster.Forecast(fit, mood, [.. Enumerable.Repeat(6.0, 28)], new double[28], ObservationType.Phq9);

        Assert.Equal(Day0.AddDays(39), f.Origin);
        Assert.Equal(71.0 / 14, f.RecallMood[0], 12);       // 13 observed days of 5 and one forecast day of 6
        Assert.Equal(9.857142857142858, f.Mean[0], 12);
        Assert.Equal(6, f.RecallMood[13], 12);              // from day 14 on, only forecast days
        Assert.Equal(8, f.Mean[20], 12);
        // h ≥ 14: sd = √(1 + 1/6 + (6 − 5)²/10) = 1.12546; t(4) 0.9 = 1.53321, 0.975 = 2.77645 (scipy.stats.t.ppf)
        Assert.Equal(6.274433270346357, f.Lower80[20], 9);
        Assert.Equal(11.124785870224919, f.Upper95[20], 9);

        // The mood forecast's own uncertainty (σ = 1 on every forecast day) passes through the slope: sd² + 2² · 1².
        var uncertain = AssessmentForecaster.Forecast(fit, mood, [.. Enumerable.Repeat(6.0, 28)], [.. Enumerable.Repeat(1.2815515655446004, 28)], ObservationType.Phq9);
        Assert.Equal(4.481411298616881, uncertain.Lower80[20], 7); // MathNet's t quantile agrees with scipy's to ~1e-9
        Assert.Equal(f.Mean[20], uncertain.Mean[20], 12);
    }

    [Fact]
    public void Scores_stay_on_the_questionnaires_scale()
    {
        var fit = new AssessmentFit(Intercept: 40, Slope: -2, ResidualSd: 3, Assessments: 5, MoodMean: 5, MoodSumOfSquares: 4);
        var mood = DailySeries.Build(Enumerable.Range(0, 20).Select(d => At(ObservationType.Mood, d, 1)), ObservationType.Mood, Day0.AddDays(19), 20);

        var f = AssessmentForecaster.Forecast(fit, mood, [.. Enumerable.Repeat(0.5, 7)], [.. Enumerable.Repeat(0.5, 7)], ObservationType.Gad7);

        Assert.All(f.Mean.Concat(f.Lower95).Concat(f.Upper95), v => Assert.InRange(v, 0, 21));
    }

    [Fact]
    public void On_biweekly_simulated_patients_the_assessment_model_beats_carrying_the_last_assessment_forward()
    {
        // Mood forecast by the statistical member alone (fast, no trained model): the test is of the assessment model.
        var cohort = new SymptomCohortSimulator(404, new SymptomSimulatorOptions { Questionnaires = QuestionnaireCadence.Biweekly })
            .Simulate(12, 200, new DateOnly(2026, 6, 30));
        MoodForecaster mood = upTo =>
        {
            var end = DailySeries.LastObservedDay(upTo, ObservationType.Mood)!.Value;
            var series = DailySeries.Build(upTo, ObservationType.Mood, end, 200);
            var f = StatisticalMember.Forecast([.. series.Values.Select((v, i) => series.Observed[i] ? v : double.NaN)], 28);
            return f is null ? null : (end, f.Mean, [.. f.Variance.Select(v => 1.2815515655446004 * Math.Sqrt(v))]);
        };

        var result = AssessmentBacktest.Run(cohort.Patients.Select(p => (p.Index, (IReadOnlyList<Observation>)p.Observations)), ObservationType.Phq9, mood);

        Assert.True(result.Forecasts > 60, $"{result.Forecasts} forecasts");
        Assert.True(result.Ratio < 0.9, $"assessment model MAE {result.ModelMae:F3} vs last assessment {result.LastAssessmentMae:F3}");
        Assert.InRange(result.Coverage80, 0.65, 0.95);
    }
}
