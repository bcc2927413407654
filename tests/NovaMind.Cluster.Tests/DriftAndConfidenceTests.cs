using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using NovaMind.Domain.Monitoring;
using NovaMind.Domain.Observations;
using NovaMind.Grains.Monitoring;
using NovaMind.Ml.Forecasting.Monitoring;
using NovaMind.TestInfrastructure;
using Xunit.Abstractions;
using NovaMind.Simulation;

namespace NovaMind.Cluster.Tests;

/// <summary>
/// Drift and confidence through the silo (issue 16), with known answers: forecasts served to patients drawn from the
/// training simulator leave every monitored input undrifted; the same patients with every night's sleep two hours longer
/// drift the sleep input — and only that input — and their forecasts are flagged low-confidence for it. The fixture keeps
/// 100 values per window and judges from 100 (<see cref="NovaMindClusterFixture"/>), so each phase fills the windows anew.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DriftAndConfidenceTests(NovaMindClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);
    private const int Patients = 130;

    [Fact]
    public async Task Inputs_like_training_do_not_drift_and_longer_sleep_drifts_the_sleep_input_only()
    {
        var worker = fixture.Client.GetGrain<IForecastWorkerGrain>(0);
        var version = await worker.ModelVersion();
        var cohort = new SymptomCohortSimulator(seed: 1702).Simulate(Patients, 200, LastDay).Patients;
        // Origins spread over the months of data, as the training origins were.
        var random = new Random(1702);
        var origins = cohort.Select(_ => LastDay.AddDays(-random.Next(0, 120))).ToArray();

        var like = await ForecastAll(worker, cohort, origins, sleepShift: 0);
        var likeDrift = await Drift(version);
        var mood = likeDrift.Features.Where(f => f.Symptom == "mood").ToList();
        Assert.Equal(10, mood.Count); // eight inputs and the forecasts at h1 and h7
        Assert.All(mood, f => Assert.True(f.WindowValues >= 100, $"{f.Feature}: {f.WindowValues} values"));
        Assert.All(mood, f => Assert.False(f.Drifted, $"{f.Feature}: PSI {f.Psi}, p {f.ChiSquarePValue}"));

        var shifted = await ForecastAll(worker, cohort, origins, sleepShift: 2);
        var shiftedDrift = await Drift(version);
        var drifted = shiftedDrift.Features.Where(f => f.Symptom == "mood" && f.Kind == ForecastDriftMonitor.InputKind && f.Drifted).Select(f => f.Feature);
        Assert.Equal(["sleep_hours_mean7"], drifted);
        Assert.True(shiftedDrift.Drifted);

        // Confidence: the shifted patients' forecasts are flagged for their sleep far more often, and the flag names it.
        static double Share(IEnumerable<ForecastConfidenceDto> c, Func<ForecastConfidenceDto, bool> p) => c.Count(p) / (double)c.Count();
        bool SleepOutOfDistribution(ForecastConfidenceDto c) =>
            c.Reasons.Contains(ConfidenceRule.OutOfDistribution) && c.OutOfDistributionFeature == "sleep_hours_mean7";
        Assert.All(like.Concat(shifted), c => Assert.NotNull(c.OutOfDistributionScore));
        output.WriteLine($"low confidence: {Share(like, c => c.LowConfidence):P1} of forecasts like training " +
                         $"({Share(like, c => c.Reasons.Contains(ConfidenceRule.WideInterval)):P1} interval width, {Share(like, c => c.Reasons.Contains(ConfidenceRule.Disagreement)):P1} disagreement, " +
                         $"{Share(like, c => c.Reasons.Contains(ConfidenceRule.OutOfDistribution)):P1} out of distribution); " +
                         $"{Share(shifted, c => c.LowConfidence):P1} of shifted ones, {Share(shifted, SleepOutOfDistribution):P1} for sleep");
        Assert.True(Share(like, c => c.LowConfidence) <= 0.10, $"{Share(like, c => c.LowConfidence):P0} of forecasts like training flagged");
        Assert.True(Share(like, SleepOutOfDistribution) <= 0.02);
        // Known answer: with the reference's robust sd σ of weekly sleep, two more hours move every patient's z by 2/σ; if
        // weekly sleep is near normal, the share beyond the threshold is 1 − Φ(4 − 2/σ) (±3 binomial standard errors).
        var reference = ForecastDriftReference.Load(Path.Combine(RepoPaths.Models, "forecast", version, "mood"))!.Inputs.Single(r => r.Name == "sleep_hours_mean7");
        var sigma = (reference.Edges[8] - reference.Edges[0]) / 2.5631031310892007;
        var expected = 1 - MathNet.Numerics.Distributions.Normal.CDF(0, 1, new ConfidenceRule().MaxOutOfDistributionZ - 2 / sigma);
        var tolerance = 3 * Math.Sqrt(expected * (1 - expected) / Patients);
        Assert.InRange(Share(shifted, SleepOutOfDistribution), expected - tolerance, expected + tolerance);
    }

    private async Task<List<ForecastConfidenceDto>> ForecastAll(IForecastWorkerGrain worker, IReadOnlyList<SymptomSimulatedPatient> cohort, DateOnly[] origins, double sleepShift)
    {
        using var gate = new SemaphoreSlim(2);
        var results = await Task.WhenAll(cohort.Select(async (p, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var history = p.Observations.Where(o => DateOnly.FromDateTime(o.Time.UtcDateTime) <= origins[i])
                    .Select(o => o.Type == ObservationType.SleepHours ? o with { Value = o.Value + sleepShift } : o).ToList();
                var columns = new ObservationColumns([.. history.Select(o => o.Time.ToUnixTimeMilliseconds())], [.. history.Select(o => (byte)o.Type.Code)], [.. history.Select(o => o.Value)]);
                var f = await worker.Forecast("mood", columns, [], WorkPriority.Clinician);
                Assert.Equal(ForecastStatus.Ok, f.Status);
                return f.Components!.Confidence!;
            }
            finally { gate.Release(); }
        }));
        return [.. results];
    }

    /// <summary>Every silo recomputes and reports its windows now (rather than on its timer); then the version's merged view.</summary>
    private async Task<ForecastDriftSnapshotDto> Drift(string version)
    {
        foreach (var silo in fixture.Cluster.Silos)
            await silo.ServiceProvider.GetRequiredService<ForecastDriftMonitor>().UpdateAsync();
        return await fixture.Client.GetGrain<IForecastDriftGrain>(version).Snapshot();
    }
}
