using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

public class PhenoconversionTests
{
    private static PhenoconversionOutcome Apply(string diplotype, string[] coMedications, string? prescribed = null) =>
        Phenoconversion.Default.Apply(PgxTestData.Phenotype("CYP2D6", diplotype), coMedications, prescribed);

    [Theory]
    // Strong inhibitor: activity score x 0; moderate: x 0.5 (Borges 2010; Cicali 2021 tutorial).
    [InlineData("*1/*1", "fluoxetine", "2.0", "0.0", MetabolizerPhenotype.PoorMetabolizer)]
    [InlineData("*1/*1", "paroxetine", "2.0", "0.0", MetabolizerPhenotype.PoorMetabolizer)]
    [InlineData("*1/*1", "bupropion", "2.0", "0.0", MetabolizerPhenotype.PoorMetabolizer)]
    [InlineData("*1/*1", "quinidine", "2.0", "0.0", MetabolizerPhenotype.PoorMetabolizer)]
    [InlineData("*1/*1", "terbinafine", "2.0", "0.0", MetabolizerPhenotype.PoorMetabolizer)]
    [InlineData("*1/*1", "duloxetine", "2.0", "1.0", MetabolizerPhenotype.IntermediateMetabolizer)]
    [InlineData("*1/*1", "mirabegron", "2.0", "1.0", MetabolizerPhenotype.IntermediateMetabolizer)]
    [InlineData("*1/*1", "cinacalcet", "2.0", "1.0", MetabolizerPhenotype.IntermediateMetabolizer)]
    [InlineData("*1/*1", "abiraterone", "2.0", "1.0", MetabolizerPhenotype.IntermediateMetabolizer)]
    [InlineData("*1/*1x2", "duloxetine", "3.0", "1.5", MetabolizerPhenotype.NormalMetabolizer)]
    [InlineData("*1/*10", "duloxetine", "1.25", "0.625", MetabolizerPhenotype.IntermediateMetabolizer)]
    [InlineData("*1/*4", "bupropion", "1.0", "0.0", MetabolizerPhenotype.PoorMetabolizer)]
    [InlineData("*4/*4", "duloxetine", "0.0", "0.0", MetabolizerPhenotype.PoorMetabolizer)]
    public void Inhibitor_ScalesTheActivityScore_AndReclassifies(
        string diplotype, string inhibitor, string before, string after, MetabolizerPhenotype phenotypeAfter)
    {
        var outcome = Apply(diplotype, [inhibitor]);

        var effect = Assert.IsType<PhenoconversionEffect>(outcome.Effect);
        Assert.True(effect.Applied);
        Assert.Equal("CYP2D6", effect.Gene);
        Assert.Equal(inhibitor, effect.Inhibitor);
        Assert.Equal(decimal.Parse(before, System.Globalization.CultureInfo.InvariantCulture), effect.OriginalActivityScore);
        Assert.Equal(decimal.Parse(after, System.Globalization.CultureInfo.InvariantCulture), effect.AdjustedActivityScore);
        Assert.Equal(PgxTestData.Phenotype("CYP2D6", diplotype).Phenotype, effect.PhenotypeBefore);
        Assert.Equal(phenotypeAfter, effect.PhenotypeAfter);
        Assert.Equal(phenotypeAfter, outcome.Phenotype.Phenotype);
        Assert.Equal(effect.AdjustedActivityScore, outcome.Phenotype.ActivityScore);
        Assert.Equal(diplotype.Replace("*1x2/*1", "*1/*1x2"), outcome.Phenotype.Diplotype);
        Assert.Equal("cyp2d6-phenoconversion", effect.Source.Id);
        Assert.Equal("cyp2d6-inhibitor-list", effect.InhibitorSource.Id);
        Assert.Contains(inhibitor, effect.Explanation);
    }

    [Fact]
    public void StrongestInhibitorWins_AndTheOthersAreListed()
    {
        var effect = Apply("*1/*1", ["duloxetine", "Fluoxetine ", "mirabegron", "lithium"]).Effect!;

        Assert.Equal("fluoxetine", effect.Inhibitor);
        Assert.Equal(InhibitorStrength.Strong, effect.Strength);
        Assert.Equal(0m, effect.ActivityScoreFactor);
        Assert.Equal(["duloxetine", "mirabegron"], effect.OtherInhibitors);
    }

    [Fact]
    public void NoInhibitor_LeavesThePhenotypeAlone()
    {
        var phenotype = PgxTestData.Phenotype("CYP2D6", "*1/*1");
        var outcome = Phenoconversion.Default.Apply(phenotype, ["sertraline", "lithium", "", null]);
        Assert.Null(outcome.Effect);
        Assert.Same(phenotype, outcome.Phenotype);
        Assert.Null(Phenoconversion.Default.Apply(phenotype, null).Effect);
    }

    [Fact]
    public void PrescribedDrug_IsNotItsOwnInhibitor()
    {
        Assert.Null(Apply("*1/*1", ["paroxetine"], prescribed: "Paroxetine").Effect);
        Assert.Equal("fluoxetine", Apply("*1/*1", ["paroxetine", "fluoxetine"], prescribed: "paroxetine").Effect!.Inhibitor);
    }

    [Fact]
    public void IndeterminateGenotype_IsReportedButNotConverted()
    {
        var outcome = Apply("*1/*22", ["fluoxetine"]);

        var effect = outcome.Effect!;
        Assert.False(effect.Applied);
        Assert.Null(effect.OriginalActivityScore);
        Assert.Null(effect.AdjustedActivityScore);
        Assert.Equal(MetabolizerPhenotype.Indeterminate, effect.PhenotypeAfter);
        Assert.Equal(MetabolizerPhenotype.Indeterminate, outcome.Phenotype.Phenotype);
        Assert.Contains("cannot be calculated", effect.Explanation);
    }

    [Fact]
    public void LowerBoundScore_StaysALowerBoundUnderAModerateInhibitor()
    {
        var moderate = Apply("*1/*1x≥3", ["duloxetine"]);
        Assert.Equal("≥2.0", moderate.Phenotype.ActivityScoreText);
        Assert.Equal(MetabolizerPhenotype.Indeterminate, moderate.Phenotype.Phenotype); // normal or ultrarapid

        var strong = Apply("*1/*1x≥3", ["fluoxetine"]);
        Assert.Equal("0.0", strong.Phenotype.ActivityScoreText);
        Assert.Equal(MetabolizerPhenotype.PoorMetabolizer, strong.Phenotype.Phenotype);
    }

    [Fact]
    public void OtherGenes_AreNotPhenoconverted()
    {
        var cyp2c19 = PgxTestData.Phenotype("CYP2C19", "*1/*1");
        Assert.Null(Phenoconversion.Default.Apply(cyp2c19, ["fluoxetine"]).Effect);
    }

    [Fact]
    public void InhibitorList_HasTheStrongAndModerateCyp2d6Inhibitors()
    {
        var kb = PgxTestData.Kb;
        Assert.Equal(
            ["bupropion", "fluoxetine", "paroxetine", "quinidine", "terbinafine"],
            kb.Inhibitors.Where(i => i.Strength == InhibitorStrength.Strong).Select(i => i.Drug).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["abiraterone", "cinacalcet", "duloxetine", "lorcaserin", "mirabegron"],
            kb.Inhibitors.Where(i => i.Strength == InhibitorStrength.Moderate).Select(i => i.Drug).Order(StringComparer.Ordinal));
        Assert.All(kb.Inhibitors, i => Assert.Equal(i.Strength == InhibitorStrength.Strong ? 0m : 0.5m, i.ActivityScoreFactor));
    }
}
