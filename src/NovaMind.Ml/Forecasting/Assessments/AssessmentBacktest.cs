using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;

namespace NovaMind.Ml.Forecasting.Assessments;

/// <summary>A mood forecast from the observations given (all up to some day): its origin, mean and 80 % half-width per day ahead.</summary>
public delegate (DateOnly Origin, double[] Mean, double[] HalfWidth80)? MoodForecaster(IReadOnlyList<Observation> upToOrigin);

/// <summary>Next-assessment errors of the assessment model and of carrying the last assessment forward, and the model's interval coverage.</summary>
public sealed record AssessmentBacktestResult(string Symptom, int Forecasts, int Patients, double ModelMae, double LastAssessmentMae, double Coverage80, double Coverage95,
    double MeanGapDays)
{
    public double Ratio => ModelMae / LastAssessmentMae;
}

/// <summary>
/// At every assessment that has a next one within 28 days (and enough earlier ones to fit the line), forecast the next
/// assessment's score from the observations up to the current one, next to the last assessment carried forward
/// (issue 13's baseline: "next-assessment MAE ≤ 0.9 × last assessment carried forward").
/// </summary>
public static class AssessmentBacktest
{
    public const int MaxGapDays = 28;

    public static AssessmentBacktestResult Run(IEnumerable<(int Patient, IReadOnlyList<Observation> Observations)> patients, ObservationType symptom, MoodForecaster mood)
    {
        var (model, baseline, hits80, hits95, gaps, count) = (0.0, 0.0, 0, 0, 0.0, 0);
        var patientsWithForecasts = 0;
        foreach (var (_, observations) in patients)
        {
            var days = ForecastHistory.AssessmentDays(observations, symptom);
            var scored = false;
            for (var k = 0; k + 1 < days.Count; k++)
            {
                var (day, next) = (days[k], days[k + 1]);
                if (next.DayNumber - day.DayNumber > MaxGapDays) continue;
                var until = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
                var history = observations.Where(o => o.Time.UtcDateTime < until).ToList();
                if (AssessmentForecaster.Fit(AssessmentForecaster.Points(history, symptom)) is not { } fit) continue;
                if (mood(history) is not { } m) continue;
                var horizon = next.DayNumber - m.Origin.DayNumber;
                if (horizon < 1 || horizon > m.Mean.Length) continue;
                var f = AssessmentForecaster.Forecast(fit, history, symptom, m.Origin, m.Mean, m.HalfWidth80);
                var actual = observations.Where(o => o.Type == symptom && DateOnly.FromDateTime(o.Time.UtcDateTime) == next).Average(o => o.Value);
                var last = observations.Where(o => o.Type == symptom && DateOnly.FromDateTime(o.Time.UtcDateTime) == day).Average(o => o.Value);
                model += Math.Abs(f.Mean[horizon - 1] - actual);
                baseline += Math.Abs(last - actual);
                if (actual >= f.Lower80[horizon - 1] && actual <= f.Upper80[horizon - 1]) hits80++;
                if (actual >= f.Lower95[horizon - 1] && actual <= f.Upper95[horizon - 1]) hits95++;
                gaps += next.DayNumber - day.DayNumber;
                count++;
                scored = true;
            }
            if (scored) patientsWithForecasts++;
        }
        if (count == 0) throw new InvalidOperationException($"no {symptom.Name} assessment could be forecast");
        return new AssessmentBacktestResult(symptom.Name, count, patientsWithForecasts, model / count, baseline / count, hits80 / (double)count, hits95 / (double)count, gaps / count);
    }
}
