using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using NovaMind.Grains.Monitoring;
using NovaMind.TestInfrastructure;

namespace NovaMind.Cluster.Tests;

/// <summary>
/// PGx online validation through the cluster: a twin serves a treatment-response estimate, a finished treatment with that
/// drug is recorded afterwards, and the estimate's Brier score — computed here from the served probability and the
/// recorded outcome — appears for the model version, next to the offline report's Brier score; recording it again scores
/// nothing twice. (With the real clock, "afterwards" is a course that started and ended today; the date rules are in
/// PgxScoringTests.)
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PgxLiveAccuracyTests(NovaMindClusterFixture fixture)
{
    [Fact]
    public async Task A_treatment_that_follows_an_estimate_scores_it_once_for_the_model_version()
    {
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await twin.Register();
        Assert.Equal(UpdateStatus.Updated, (await twin.SetGenotype(new() { ["CYP2C19"] = "*2/*2", ["CYP2D6"] = "*1/*1" })).Status);
        var prediction = (await twin.GetMedicationPrediction("escitalopram")).Prediction!;
        var p = prediction.Efficacy!.Score;
        var version = prediction.ModelVersion!;

        var aggregator = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<LiveAccuracyAggregator>();
        var grain = fixture.Client.GetGrain<IPgxAccuracyGrain>(version);
        await aggregator.FlushAsync();
        var before = (await grain.Snapshot()).Drugs.SingleOrDefault(d => d.Drug == "escitalopram");

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        MedicationPlanDto Plan() => new([], [new PastTreatmentDto("escitalopram", 10, today, today, "none", [])]);
        Assert.Equal(UpdateStatus.Updated, (await twin.SetMedications(Plan())).Status);
        await aggregator.FlushAsync();
        var after = await grain.Snapshot();
        var row = after.Drugs.Single(d => d.Drug == "escitalopram");
        Assert.Equal((before?.ScoredEstimates ?? 0) + 1, row.ScoredEstimates);
        if (before is null) Assert.Equal(p * p, row.LiveBrier!.Value, 9); // no response: (p − 0)²
        Assert.Contains(version, await fixture.Client.GetGrain<IModelMonitoringRegistryGrain>(0).Versions("pgx"));

        // The offline numbers are the version's report: the calibrated model's Brier score and the base rate's.
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Models, "pgx", version, "report.json")));
        var efficacy = report.RootElement.GetProperty("efficacy").EnumerateArray().ToList();
        Assert.Equal(efficacy.Single(e => e.GetProperty("model").GetString() == "transformer (temperature-scaled)").GetProperty("brier").GetDouble(), row.OfflineBrier);
        Assert.Equal(efficacy.Single(e => e.GetProperty("model").GetString()!.StartsWith("base rate")).GetProperty("brier").GetDouble(), row.OfflineBaseRateBrier);
        Assert.True(after.Drugs.Single(d => d.Drug == PgxAccuracyGrain.AllDrugs).ScoredEstimates >= row.ScoredEstimates);
        Assert.Contains("Brier score", after.Rule);

        // The same history again (a re-sent plan) scores nothing twice: the estimate was consumed.
        Assert.Equal(UpdateStatus.Updated, (await twin.SetMedications(Plan())).Status);
        await aggregator.FlushAsync();
        Assert.Equal(row.ScoredEstimates, (await grain.Snapshot()).Drugs.Single(d => d.Drug == "escitalopram").ScoredEstimates);
    }

    [Fact]
    public async Task Estimates_made_without_a_genotype_are_marked_low_confidence_and_say_why()
    {
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await twin.Register();
        var without = (await twin.GetMedicationPrediction("sertraline")).Prediction!.Confidence!;
        Assert.True(without.LowConfidence);
        Assert.Equal([NovaMind.Domain.Monitoring.PgxConfidenceRule.GenotypeMissing], without.Reasons); // the served model beats its baseline (report)

        Assert.Equal(UpdateStatus.Updated, (await twin.SetGenotype(new() { ["CYP2C19"] = "*1/*1", ["CYP2D6"] = "*1/*1" })).Status);
        var with = (await twin.GetMedicationPrediction("sertraline")).Prediction!;
        Assert.False(with.Confidence!.LowConfidence);
        Assert.Empty(with.Confidence.Reasons);
        Assert.True(with.Efficacy!.Skill!.BeatsBaseline);
    }
}
