using NovaMind.Simulation;
using NovaMind.Ml.Forecasting.Statistical;

namespace NovaMind.Ml.Tests.Forecasting;

public sealed class StatisticalBacktestTests
{
    [Fact]
    public void On_the_simulator_the_oracle_leads_and_the_per_patient_models_beat_the_naive_baselines()
    {
        var cohort = new SymptomCohortSimulator(4242).Simulate(8, 200, new DateOnly(2026, 6, 30));
        var rows = StatisticalBacktest.Run(StatisticalBacktest.Patients(cohort), horizon: 14, firstOrigin: 56, originEvery: 28,
            extra: new Dictionary<string, StatisticalBacktest.ExtraPredictor> { ["oracle"] = StatisticalBacktest.Oracle(cohort) });
        Assert.Equal(3 * (StatisticalBacktest.Predictors.Length + 1), rows.Count);
        foreach (var symptom in new[] { "mood", "phq9", "gad7" })
        {
            double Mae(string p) => rows.Single(r => r.Symptom == symptom && r.Predictor == p).MeanMae;
            Assert.All(StatisticalBacktest.Predictors.Append("oracle"), p => Assert.True(double.IsFinite(Mae(p)), $"{symptom} {p}"));
            // The oracle knows the simulator's parameters: nothing fitted on a patient's own days does better on average.
            Assert.True(Mae("oracle") < Mae("sarima_100_100_7") && Mae("oracle") < Mae("auto_ets"), symptom);
            // The simulated symptoms revert to a personal mean: a fitted model beats carrying the last value or last week forward.
            Assert.True(Mae("sarima_100_100_7") < Mae("last_value") && Mae("sarima_100_100_7") < Mae("seasonal_naive"), symptom);
            Assert.True(Mae("auto_ets") < Mae("seasonal_naive"), symptom);
            // The statistical members carry their own Gaussian intervals; the naive baselines none.
            var sarima = rows.Single(r => r.Symptom == symptom && r.Predictor == "sarima_100_100_7");
            Assert.InRange(sarima.Coverage80!.Value, 0.6, 0.95);
            Assert.True(sarima.Coverage95 > sarima.Coverage80);
            Assert.Equal(3, sarima.PatientCoverage80Percentiles!.Length);
            Assert.Null(rows.Single(r => r.Symptom == symptom && r.Predictor == "last_value").Coverage80);
        }
    }

    [Theory]
    [InlineData(0.1, 1.9)]
    [InlineData(0.5, 5.5)]
    [InlineData(0.9, 9.1)]
    [InlineData(1.0, 10)]
    public void Percentiles_interpolate_linearly_as_numpy_does(double q, double expected)
    {
        Assert.Equal(expected, StatisticalBacktest.Percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], q), 12);
    }

    [Fact]
    public void A_patient_who_gives_the_same_score_every_day_is_forecast_at_that_score_with_no_spread()
    {
        var y = Enumerable.Range(0, 60).Select(t => t % 5 == 0 ? double.NaN : 12.0).ToArray();
        var (ets, etsVariance) = ExponentialSmoothing.FitBest(y).Forecast(7);
        var (sarima, sarimaVariance) = SeasonalArima.Fit(new SarimaSpec(1, 0, 1, 0), y).Forecast(7);
        Assert.All(ets.Concat(sarima), v => Assert.Equal(12.0, v, 1e-9));
        Assert.All(etsVariance.Concat(sarimaVariance), v => Assert.Equal(0, v, 1e-12));
    }
}
