using MathNet.Numerics.Distributions;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;

namespace NovaMind.Ml.Forecasting.Assessments;

/// <summary>One assessment and the mean daily mood over its recall window (the visit day and the 13 days before).</summary>
public sealed record AssessmentPoint(DateOnly Day, double Score, double RecallMood);

/// <summary>
/// The patient's assessment model: score = intercept + slope · (mean mood over the recall window), least squares on the
/// patient's own latest assessments; residual sd with n − 2 degrees of freedom.
/// </summary>
public sealed record AssessmentFit(double Intercept, double Slope, double ResidualSd, int Assessments, double MoodMean, double MoodSumOfSquares)
{
    public int DegreesOfFreedom => Assessments - 2;

    public string Describe(ObservationType symptom) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{symptom.Name} = {Intercept:0.##} {(Slope < 0 ? "−" : "+")} {Math.Abs(Slope):0.###} × mean mood over the {ForecastHistory.RecallDays} days up to the assessment " +
        $"(least squares on this patient's last {Assessments} assessments, residual sd {ResidualSd:0.##})");
}

/// <summary>A forecast of the score the patient would give if assessed on each of the days after the origin.</summary>
public sealed record AssessmentForecast(DateOnly Origin, double[] Mean, double[] Lower80, double[] Upper80, double[] Lower95, double[] Upper95,
    double[] RecallMood, AssessmentFit Fit);

/// <summary>
/// Forecasts PHQ-9 or GAD-7 when they are taken every week or two rather than daily (issue 13). Both questionnaires ask
/// about the last two weeks, so an assessment is compared with the patient's mean daily mood over the 14 days up to it;
/// the patient's own assessments fit a line between the two, and a future day's score is read off that line at the
/// recall-window mean of observed mood (days up to the origin) and forecast mood (days after). Intervals add the line's
/// prediction variance (Student t, n − 2 degrees of freedom) and the mood forecast's uncertainty carried through the
/// slope (the window's days taken as fully correlated, which overstates it rather than understates it).
/// </summary>
public static class AssessmentForecaster
{
    /// <summary>The latest assessments the line is fitted on: older ones may reflect another phase of illness or treatment.</summary>
    public const int MaxAssessments = 12;

    private const double Z80 = 1.2815515655446004;

    /// <summary>Assessments of <paramref name="symptom"/> with enough mood in their recall window, oldest first.</summary>
    public static IReadOnlyList<AssessmentPoint> Points(IReadOnlyList<Observation> observations, ObservationType symptom)
    {
        var days = ForecastHistory.AssessmentDays(observations, symptom);
        if (days.Count == 0 || DailySeries.LastObservedDay(observations, ObservationType.Mood) is not { } moodEnd) return [];
        var first = days[0].AddDays(-ForecastHistory.RecallDays);
        var end = moodEnd > days[^1] ? moodEnd : days[^1];
        var mood = DailySeries.Build(observations, ObservationType.Mood, end, end.DayNumber - first.DayNumber + 1);
        var score = DailySeries.Build(observations, symptom, end, end.DayNumber - first.DayNumber + 1);
        var points = new List<AssessmentPoint>();
        foreach (var day in days)
        {
            var last = day.DayNumber - mood.Start.DayNumber;
            var (sum, n) = (0.0, 0);
            for (var i = Math.Max(0, last - ForecastHistory.RecallDays + 1); i <= last; i++)
                if (mood.Observed[i]) { sum += mood.Values[i]; n++; }
            if (n >= ForecastHistory.MinimumMoodDaysPerRecall) points.Add(new AssessmentPoint(day, score.Values[last], sum / n));
        }
        return points;
    }

    /// <summary>The line through the latest <see cref="MaxAssessments"/> points, or null with fewer than <see cref="ForecastHistory.MinimumAssessments"/>.</summary>
    public static AssessmentFit? Fit(IReadOnlyList<AssessmentPoint> points)
    {
        var used = points.TakeLast(MaxAssessments).ToList();
        if (used.Count < ForecastHistory.MinimumAssessments) return null;
        var xMean = used.Average(p => p.RecallMood);
        var yMean = used.Average(p => p.Score);
        var sxx = used.Sum(p => (p.RecallMood - xMean) * (p.RecallMood - xMean));
        var sxy = used.Sum(p => (p.RecallMood - xMean) * (p.Score - yMean));
        // Mood that never moved explains nothing: the line is flat at the mean score.
        var slope = sxx > 1e-9 ? sxy / sxx : 0;
        var intercept = yMean - slope * xMean;
        var rss = used.Sum(p => Math.Pow(p.Score - intercept - slope * p.RecallMood, 2));
        return new AssessmentFit(intercept, slope, Math.Sqrt(rss / (used.Count - 2)), used.Count, xMean, sxx);
    }

    /// <summary>
    /// The score on days <paramref name="moodOrigin"/> + 1 … + H, with the observed mood taken from
    /// <paramref name="observations"/> (from the first assessment's recall window up to the mood forecast's origin).
    /// </summary>
    public static AssessmentForecast Forecast(AssessmentFit fit, IReadOnlyList<Observation> observations, ObservationType symptom, DateOnly moodOrigin,
        IReadOnlyList<double> moodForecast, IReadOnlyList<double> moodHalfWidth80)
    {
        var first = ForecastHistory.AssessmentDays(observations, symptom)[0].AddDays(-ForecastHistory.RecallDays);
        var mood = DailySeries.Build(observations, ObservationType.Mood, moodOrigin, Math.Max(1, moodOrigin.DayNumber - first.DayNumber + 1));
        return Forecast(fit, mood, moodForecast, moodHalfWidth80, symptom);
    }

    /// <summary>
    /// The score on days origin + 1 … origin + H. <paramref name="mood"/> holds observed mood up to the origin (its last day);
    /// <paramref name="moodForecast"/> and <paramref name="moodHalfWidth80"/> the mood forecast for the days after it.
    /// </summary>
    public static AssessmentForecast Forecast(AssessmentFit fit, DailySeries mood, IReadOnlyList<double> moodForecast, IReadOnlyList<double> moodHalfWidth80,
        ObservationType symptom)
    {
        var horizon = moodForecast.Count;
        var origin = mood.End;
        var result = new AssessmentForecast(origin, new double[horizon], new double[horizon], new double[horizon], new double[horizon], new double[horizon],
            new double[horizon], fit);
        var t80 = fit.DegreesOfFreedom > 0 ? StudentT.InvCDF(0, 1, fit.DegreesOfFreedom, 0.9) : double.PositiveInfinity;
        var t95 = fit.DegreesOfFreedom > 0 ? StudentT.InvCDF(0, 1, fit.DegreesOfFreedom, 0.975) : double.PositiveInfinity;
        for (var h = 1; h <= horizon; h++)
        {
            // Recall window of day origin + h: days origin + h − 13 … origin + h, observed before the origin, forecast after.
            var (sum, n, sdSum) = (0.0, 0, 0.0);
            for (var d = h - ForecastHistory.RecallDays + 1; d <= h; d++)
            {
                if (d >= 1)
                {
                    sum += moodForecast[d - 1];
                    sdSum += moodHalfWidth80[d - 1] / Z80;
                    n++;
                    continue;
                }
                var i = mood.Days - 1 + d;
                if (i >= 0 && mood.Observed[i]) { sum += mood.Values[i]; n++; }
            }
            var x = sum / n;
            var moodSd = sdSum / n; // fully correlated days: the window mean's sd is the forecast days' mean sd × their share
            var lineVariance = fit.ResidualSd * fit.ResidualSd * (1 + 1.0 / fit.Assessments + (fit.MoodSumOfSquares > 1e-9 ? Math.Pow(x - fit.MoodMean, 2) / fit.MoodSumOfSquares : 0));
            var sd = Math.Sqrt(lineVariance + fit.Slope * fit.Slope * moodSd * moodSd);
            var mean = fit.Intercept + fit.Slope * x;
            result.RecallMood[h - 1] = x;
            result.Mean[h - 1] = Math.Clamp(mean, symptom.Min, symptom.Max);
            (result.Lower80[h - 1], result.Upper80[h - 1]) = (Math.Clamp(mean - t80 * sd, symptom.Min, symptom.Max), Math.Clamp(mean + t80 * sd, symptom.Min, symptom.Max));
            (result.Lower95[h - 1], result.Upper95[h - 1]) = (Math.Clamp(mean - t95 * sd, symptom.Min, symptom.Max), Math.Clamp(mean + t95 * sd, symptom.Min, symptom.Max));
        }
        return result;
    }
}
