using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

public class DrugCatalogueTests
{
    private static readonly DrugCatalogue Catalogue = PgxTestData.Kb.Drugs;

    [Fact]
    public void SupportedDrugs_AreTheGuidelineDrugs_LowercaseAndSorted()
    {
        Assert.Equal(
            [
                "amitriptyline", "atomoxetine", "carbamazepine", "citalopram", "clomipramine", "desipramine", "doxepin", "escitalopram",
                "fluvoxamine", "imipramine", "nortriptyline", "oxcarbazepine", "paroxetine", "sertraline", "trimipramine", "venlafaxine", "vortioxetine",
            ],
            Catalogue.SupportedDrugs);
    }

    [Theory]
    [InlineData("sertraline", new[] { "CYP2C19", "CYP2B6" })]
    [InlineData("amitriptyline", new[] { "CYP2D6", "CYP2C19" })]
    [InlineData("nortriptyline", new[] { "CYP2D6" })]
    [InlineData("citalopram", new[] { "CYP2C19" })]
    [InlineData("atomoxetine", new[] { "CYP2D6" })]
    [InlineData("carbamazepine", new[] { "HLA-B*15:02", "HLA-A*31:01" })]
    [InlineData("oxcarbazepine", new[] { "HLA-B*15:02" })]
    public void Drugs_CarryTheirPathwayGenes(string name, string[] genes)
    {
        Assert.True(Catalogue.TryGet(name, out var drug));
        Assert.Equal(genes, drug.MetabolicPathwayGenes);
        Assert.True(drug.HasRecommendation);
    }

    [Fact]
    public void Inhibitors_AreKnownMedications_ButNotAllHaveRecommendations()
    {
        Assert.True(Catalogue.TryGet("Fluoxetine", out var fluoxetine));
        Assert.False(fluoxetine.HasRecommendation);
        Assert.Empty(fluoxetine.MetabolicPathwayGenes);
        Assert.Equal(InhibitorStrength.Strong, Assert.Single(fluoxetine.Inhibits).Strength);

        Assert.True(Catalogue.TryGet("paroxetine", out var paroxetine)); // both: a guideline drug and a strong inhibitor
        Assert.True(paroxetine.HasRecommendation);
        Assert.Single(paroxetine.Inhibits);

        Assert.Contains("duloxetine", Catalogue.KnownMedications);
        Assert.False(Catalogue.IsSupported("duloxetine"));
        Assert.True(Catalogue.IsSupported(" SERTRALINE "));
        Assert.False(Catalogue.IsSupported("aspirin"));
        Assert.False(Catalogue.IsSupported(null));
    }

    [Fact]
    public void ValidateMedications_NormalisesAndDropsDuplicates()
    {
        var result = Catalogue.ValidateMedications(["Fluoxetine", "sertraline", " fluoxetine "]);
        Assert.True(result.IsValid);
        Assert.Equal(["fluoxetine", "sertraline"], result.Medications);
        Assert.True(Catalogue.ValidateMedications(null).IsValid);
        Assert.True(Catalogue.ValidateMedications([]).IsValid);
    }

    [Fact]
    public void ValidateMedications_NamesUnknownOrEmptyEntries()
    {
        var result = Catalogue.ValidateMedications(["sertraline", "aspirin", " ", new string('z', 300)]);

        Assert.False(result.IsValid);
        Assert.Empty(result.Medications);
        Assert.Equal(3, result.Errors.Count);
        Assert.StartsWith("unknown medication 'aspirin'; known medications: abiraterone, amitriptyline", result.Errors[0]);
        Assert.Equal("medication 2 is empty", result.Errors[1]);
        Assert.DoesNotContain(new string('z', 41), result.Errors[2]);
    }

    [Fact]
    public void ValidateMedications_RefusesAnOversizedList()
    {
        var result = Catalogue.ValidateMedications(Enumerable.Repeat("sertraline", DrugCatalogue.MaxMedications + 1).ToList());
        Assert.Equal($"a medications list may name at most {DrugCatalogue.MaxMedications} drugs; this one has {DrugCatalogue.MaxMedications + 1}", Assert.Single(result.Errors));
    }
}
