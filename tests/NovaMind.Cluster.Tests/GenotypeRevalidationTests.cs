using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Grains.Persistence;
using NovaMind.Grains.Twins;
using Orleans.Storage;

namespace NovaMind.Cluster.Tests;

/// <summary>
/// A twin whose genotype was stored under an older knowledge base: the state is rewritten in Azure Table storage (encrypted
/// with the silo's own key ring) as an older version would have left it, and the twin is woken again.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GenotypeRevalidationTests(NovaMindClusterFixture fixture)
{
    private TableClient TwinTable => new TableServiceClient(fixture.Azurite.ConnectionString).GetTableClient("NovaMindTwins");

    private EncryptedGrainStorageSerializer Serializer => new(
        new OrleansGrainStorageSerializer(fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<Orleans.Serialization.Serializer>()),
        TwinKeyRing.Parse(fixture.Secrets.KeyRingJson));

    /// <summary>Creates a twin with a genotype, then rewrites its stored state with <paramref name="edit"/> and deactivates it.</summary>
    private async Task<IPatientTwinGrain> TwinStoredAsAnOlderVersionAsync(Action<PatientTwinState> edit)
    {
        var id = Guid.NewGuid();
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(id);
        await twin.Register();
        Assert.Equal(UpdateStatus.Updated, (await twin.SetGenotype(new() { ["CYP2D6"] = "*1/*4", ["CYP2C19"] = "*1/*1" })).Status);
        await fixture.Cluster.DeactivateAsync(twin);

        var entity = await fixture.StoredTwinEntityAsync(id);
        var column = Assert.Single(entity, kv => kv.Value is byte[]).Key;
        var state = Serializer.Deserialize<PatientTwinState>(new BinaryData((byte[])entity[column]))!;
        Assert.Equal(PgxKnowledgeBase.Default.Version, state.GenotypeKnowledgeBaseVersion);
        Assert.Equal("Intermediate Metabolizer", state.GenotypePhenotypes!["CYP2D6"]);
        edit(state);
        entity[column] = Serializer.Serialize(state).ToArray();
        await TwinTable.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Replace);
        return fixture.Client.GetGrain<IPatientTwinGrain>(id);
    }

    [Fact]
    public async Task A_genotype_that_no_longer_parses_needs_review_and_is_never_treated_as_missing()
    {
        var twin = await TwinStoredAsAnOlderVersionAsync(s =>
        {
            s.Genotype!["CYP2D6"] = "*1/*999"; // an allele an older knowledge base defined and this one does not
            s.GenotypeKnowledgeBaseVersion = "2025.01.0";
        });

        var prediction = (await twin.GetMedicationPrediction("paroxetine")).Prediction!;
        Assert.Equal("needs_review", prediction.GenotypeStatus);
        Assert.Contains("validated against 2025.01.0", prediction.GenotypeReview);
        Assert.Contains("*999", prediction.GenotypeReview);
        Assert.False(prediction.GenotypeMissing);
        Assert.Equal("no_guidance", prediction.Recommendation.Category);
        Assert.Equal("genotype needs review", prediction.Recommendation.Action);
        Assert.DoesNotContain("No genotype on record", prediction.Note);

        var ranked = await twin.RankMedications(["paroxetine", "sertraline"]);
        Assert.All(ranked.Ranked, r => Assert.Equal("no_guidance", r.GuidelineCategory));
        Assert.All(ranked.Ranked, r => Assert.Contains(r.Reasons, x => x.StartsWith("genotype needs review", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Waking_under_a_newer_knowledge_base_revalidates_and_reports_changed_phenotypes()
    {
        var twin = await TwinStoredAsAnOlderVersionAsync(s =>
        {
            s.GenotypeKnowledgeBaseVersion = "2025.01.0";
            s.GenotypePhenotypes = new() { ["CYP2D6"] = "Normal Metabolizer", ["CYP2C19"] = "Normal Metabolizer" }; // what the older rules said
        });

        var prediction = (await twin.GetMedicationPrediction("paroxetine")).Prediction!;
        Assert.Equal("ok", prediction.GenotypeStatus);
        var change = Assert.Single(prediction.GenotypeChanges);
        Assert.Equal($"CYP2D6 *1/*4: Normal Metabolizer with knowledge base 2025.01.0, Intermediate Metabolizer with {PgxKnowledgeBase.Default.Version}", change);
        Assert.Equal("Intermediate Metabolizer", prediction.MetabolizerStatus["CYP2D6"]);

        // The re-validation was stored: the next activation finds nothing new to re-validate, and keeps the reported change.
        await fixture.Cluster.DeactivateAsync(twin);
        Assert.Equal([change], (await twin.GetMedicationPrediction("paroxetine")).Prediction!.GenotypeChanges);

        // Entering a genotype again clears the history of changes.
        Assert.Equal(UpdateStatus.Updated, (await twin.SetGenotype(new() { ["CYP2D6"] = "*1/*4" })).Status);
        Assert.Empty((await twin.GetMedicationPrediction("paroxetine")).Prediction!.GenotypeChanges);
    }
}
