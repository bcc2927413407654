using NovaMind.TestInfrastructure;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Ml.Pharmacogenomics;

namespace NovaMind.Ml.Tests.Pharmacogenomics;

/// <summary>The trained default committed under models/pgx loads, answers, and its recorded test metrics hold up.</summary>
public class CommittedPgxModelsTests
{
    [Fact]
    public void CommittedDefault_LoadsPredictsAndBeatsTheBaseRate()
    {
        using var models = PgxModels.LoadCurrent(Path.Combine(RepoPaths.Models, "pgx"));
        var m = models.Metadata.Metrics;
        Assert.True(m.EfficacyBrier < m.EfficacyBrierBaseRate, $"Brier {m.EfficacyBrier} vs base rate {m.EfficacyBrierBaseRate}");
        Assert.True(m.EfficacyAuc > 0.6, $"AUC {m.EfficacyAuc}");
        Assert.True(m.GraphHeldOutAuc > 0.5, $"graph held-out AUC {m.GraphHeldOutAuc}");
        Assert.Equal(PgxKnowledgeBase.Default.Drugs.SupportedDrugs, models.Drugs);

        var genotype = Genotype.Parse(new Dictionary<string, string> { ["CYP2C19"] = "*2/*2", ["CYP2D6"] = "*1/*2" }).Genotype;
        var outputs = models.Predict([
            new TreatmentResponseInput("citalopram", 20, genotype, [], []),
            new TreatmentResponseInput("citalopram", 20, null, [], []),
        ]);
        Assert.All(outputs, o =>
        {
            Assert.InRange(o.Efficacy, 0, 1);
            Assert.InRange(o.Percentile, 0, 100);
            Assert.Equal(MedicationPlanValidator.KnownSideEffects.Count, o.SideEffects.Count);
        });
        Assert.True(models.ScoreInteraction("citalopram", "CYP2C19") > 0.5);
        var files = new DirectoryInfo(Path.Combine(RepoPaths.Models, "pgx", models.Version)).GetFiles();
        Assert.True(files.Sum(f => f.Length) < 5_000_000);
        Assert.Contains(files, f => f.Name == PgxArtifacts.ModelCardFile);

        // The served artifact states its skill against each baseline, measured with intervals, and the card says it.
        Assert.NotNull(m.EfficacyBrierImprovementCi95);
        Assert.NotNull(m.GraphBaselineAuc);
        var card = File.ReadAllText(Path.Combine(RepoPaths.Models, "pgx", models.Version, PgxArtifacts.ModelCardFile));
        Assert.Contains(m.ResponseSkill().Summary, card);
        Assert.Contains(m.InteractionSkill().Summary, card);
        Assert.Contains(m.SideEffectSkill().Summary, card);
    }
}
