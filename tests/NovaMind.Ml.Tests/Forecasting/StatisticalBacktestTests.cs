using NovaMind.Domain.Simulation;
using NovaMind.Ml.Forecasting.Statistical;

namespace NovaMind.Ml.Tests.Forecasting;

public sealed class StatisticalBacktestTests
{
    [Fact]
    public void On_the_simulator_the_oracle_leads_and_the_per_patient_models_beat_the_naive_baselines()
    {
        var cohort = new SymptomCohortSimulator(4242).Simulate(8, 200, new DateOnly(2026, 6, 30));
        var rows = StatisticalBacktest.Run(cohort, horizon: 14, firstOrigin: 56, originEvery: 28);
        Assert.Equal(3 * StatisticalBacktest.Predictors.Length, rows.Count);
        foreach (var symptom in new[] { "mood", "phq9", "gad7" })
        {
            double Mae(string p) => rows.Single(r => r.Symptom == symptom && r.Predictor == p).MeanMae;
            Assert.All(StatisticalBacktest.Predictors, p => Assert.True(double.IsFinite(Mae(p)), $"{symptom} {p}"));
            // The oracle knows the simulator's parameters: nothing fitted on a patient's own days does better on average.
            Assert.True(Mae("oracle") < Mae("sarima_100_100_7") && Mae("oracle") < Mae("auto_ets"), symptom);
            // The simulated symptoms revert to a personal mean: a fitted model beats carrying the last value or last week forward.
            Assert.True(Mae("sarima_100_100_7") < Mae("last_value") && Mae("sarima_100_100_7") < Mae("seasonal_naive"), symptom);
            Assert.True(Mae("auto_ets") < Mae("seasonal_naive"), symptom);
        }
    }
}
