using NovaMind.Domain.Correlation;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using Xunit.Abstractions;

namespace NovaMind.Domain.Tests.Simulation;

/// <summary>
/// The validation criteria for correlation discovery, on <see cref="PlantedEffectSimulator"/> patients with one
/// planted effect of |r| = 0.4 and 180 days (mood, PHQ-9 and GAD-7 daily; 4 biometrics; lags 0..7: 96 tests per method
/// per patient): the planted (biometric, symptom, lag) ranks first for ≥ 95 % of patients, and ≤ 5 % of the null tests
/// have q &lt; 0.05. The artifact report (models/correlation/&lt;version&gt;/report.md) has the same figures over 200 patients.
/// </summary>
public class PlantedEffectSimulatorTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(CorrelationMethod.Pearson)]
    [InlineData(CorrelationMethod.Spearman)]
    public void PlantedEffect_RanksFirst_AndNullPairsRarelySignificant(CorrelationMethod method)
    {
        var r = PlantedEffectValidation.Run(60, method, seed: 20261126);
        output.WriteLine($"{method}: planted first {r.PlantedRankedFirst}/{r.Patients}, planted q<0.05 {r.PlantedSignificant}/{r.Patients}, " +
                         $"null q<0.05 {r.NullSignificant}/{r.NullTests} ({r.NullSignificantFraction:P2}), mean |planted| {r.MeanPlantedAbsCoefficient:F3}, " +
                         $"mean largest |null| {r.MeanLargestNullAbsCoefficient:F3}");
        Assert.Equal(96, r.TestsPerPatient);
        Assert.True(r.PlantedFirstFraction >= 0.95, $"planted first for {r.PlantedFirstFraction:P1}");
        Assert.True(r.NullSignificantFraction <= 0.05, $"null q<0.05 for {r.NullSignificantFraction:P2}");
    }

    [Fact]
    public void SameSeed_SamePatients_AndEffectsAreDrawnFromTheOptions()
    {
        var a = new PlantedEffectSimulator(5).SimulatePatient(3, new DateOnly(2026, 1, 31));
        var b = new PlantedEffectSimulator(5).SimulatePatient(3, new DateOnly(2026, 1, 31));
        Assert.Equal(a.Effect, b.Effect);
        Assert.Equal(a.Observations, b.Observations);
        var effects = new PlantedEffectSimulator(5).Simulate(50, new DateOnly(2026, 1, 31)).Select(p => p.Effect).ToList();
        Assert.All(effects, e => Assert.InRange(e.LagDays, 0, 7));
        Assert.All(effects, e => Assert.Equal(0.4, Math.Abs(e.Correlation), 12));
        Assert.True(effects.Select(e => e.Biometric).Distinct().Count() == 4 && effects.Select(e => e.Symptom).Distinct().Count() == 3);
        Assert.All(a.Observations, o => Assert.True(o.Type.Contains(o.Value)));
        Assert.Equal(180 * 7, a.Observations.Count);
    }

    [Fact]
    public void PooledCorrelation_IsAtThePlantedLagOnly()
    {
        // One planted pair, lag 3, strong: the lag-3 correlation is near r and the neighbouring lags near 0 (no bleeding).
        var options = new PlantedEffectOptions
        {
            Days = 400, MinLag = 3, MaxLag = 3, Correlation = 0.6, RandomSign = false,
            Symptoms = [ObservationType.Mood], PlantedBiometrics = [ObservationType.SleepHours],
        };
        var patient = new PlantedEffectSimulator(11, options).SimulatePatient(0, new DateOnly(2026, 6, 30));
        var report = LagCorrelationEngine.Analyze((IReadOnlyCollection<Observation>)patient.Observations, new LagCorrelationRequest
        {
            LookbackDays = 400, MaxLag = 5, Method = CorrelationMethod.Pearson, End = new DateOnly(2026, 6, 30),
            Biometrics = [ObservationType.SleepHours], Symptoms = [ObservationType.Mood],
        });
        var byLag = report.Correlations.ToDictionary(c => c.LagDays, c => c.Coefficient);
        Assert.InRange(byLag[3], 0.5, 0.7);
        foreach (var k in new[] { 2, 4 }) Assert.InRange(byLag[k], -0.15, 0.15);
    }
}
