using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

public class GenotypeParsingTests
{
    private static GenotypeParseResult Parse(params (string Gene, string Value)[] genes) =>
        Genotype.Parse(genes.ToDictionary(g => g.Gene, g => g.Value));

    private static GenotypeError SingleError(GenotypeParseResult result)
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Genotype);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void IssueExample_IsAcceptedAndNormalised()
    {
        var result = Genotype.Parse(new Dictionary<string, string>
        {
            ["CYP2D6"] = "*1/*4",
            ["CYP2C19"] = "*1/*17",
            ["CYP2B6"] = "*1/*6",
            ["HLA-B*15:02"] = "negative",
            ["HLA-A*31:01"] = "positive",
        });

        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
        var genotype = result.Genotype!;
        Assert.Equal(PgxKnowledgeBase.Default.Version, genotype.KnowledgeBaseVersion);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["CYP2B6"] = "*1/*6", ["CYP2C19"] = "*1/*17", ["CYP2D6"] = "*1/*4", ["HLA-A*31:01"] = "positive", ["HLA-B*15:02"] = "negative",
            },
            genotype.ToDictionary());
        Assert.True(genotype.TryGet("HLA-A*31:01", out var hla));
        Assert.True(hla.IsCarrier);
        Assert.True(genotype.TryGet("CYP2D6", out var d6));
        Assert.Equal(new Diplotype(new AlleleCall("*1", 1, false), new AlleleCall("*4", 1, false)), d6.Diplotype);
    }

    [Theory]
    [InlineData("cyp2d6", "*1/*4", "CYP2D6", "*1/*4")]
    [InlineData(" CYP2D6 ", " *4/*1 ", "CYP2D6", "*1/*4")]                 // CPIC order: lower allele number first
    [InlineData("CYP2D6", "*2x2/*1", "CYP2D6", "*1/*2x2")]
    [InlineData("CYP2D6", "*1x2/*1", "CYP2D6", "*1/*1x2")]
    [InlineData("CYP2D6", "*1/*1x>=3", "CYP2D6", "*1/*1x≥3")]
    [InlineData("CYP2D6", "*4x≥3/*10", "CYP2D6", "*4x≥3/*10")]
    [InlineData("CYP2D6", "*41x3/*1", "CYP2D6", "*1/*41x3")]
    [InlineData("CYP2C19", "*17/*2", "CYP2C19", "*2/*17")]
    [InlineData("hla-b*15:02", "Positive", "HLA-B*15:02", "positive")]
    [InlineData("HLA-A*31:01", " NEGATIVE ", "HLA-A*31:01", "negative")]
    public void Values_AreNormalisedToCpicSpelling(string gene, string value, string expectedGene, string expectedValue)
    {
        var result = Parse((gene, value));
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.Message)));
        Assert.Equal(new Dictionary<string, string> { [expectedGene] = expectedValue }, result.Genotype!.ToDictionary());
    }

    [Theory]
    [InlineData("CYP3A4")]
    [InlineData("CYP2D7")]
    [InlineData("HLA-B*57:01")]
    [InlineData("HLA-B")]
    [InlineData("")]
    public void UnknownGene_IsRejectedNamingGeneAndValue(string gene)
    {
        var error = SingleError(Parse((gene, "*1/*1")));
        Assert.Equal(gene.Trim(), error.Gene.Trim());
        Assert.Equal("*1/*1", error.Value);
        Assert.StartsWith($"unknown gene '{gene}'", error.Message);
        Assert.Contains("CYP2D6, CYP2C19, CYP2B6, HLA-B*15:02, HLA-A*31:01", error.Message);
    }

    [Theory]
    [InlineData("CYP2D6", "*1*4")]
    [InlineData("CYP2D6", "1/4")]
    [InlineData("CYP2D6", "*1/*4/*5")]
    [InlineData("CYP2D6", "*1/")]
    [InlineData("CYP2D6", "/*4")]
    [InlineData("CYP2D6", "*1 / *4")]
    [InlineData("CYP2D6", "CYP2D6*1/*4")]
    [InlineData("CYP2D6", "*01/*4")]
    [InlineData("CYP2D6", "*1/*4A")]
    [InlineData("CYP2D6", "*1.001/*4")]
    [InlineData("CYP2D6", "*36+*10/*1")]
    [InlineData("CYP2C19", "*1;*17")]
    [InlineData("CYP2B6", "normal")]
    public void MalformedDiplotype_IsRejectedNamingGeneAndValue(string gene, string value)
    {
        var error = SingleError(Parse((gene, value)));
        Assert.Equal(gene, error.Gene);
        Assert.Equal(value, error.Value);
        Assert.Equal($"{gene} value '{value}' is not a diplotype of the form *A/*B", error.Message);
    }

    [Theory]
    [InlineData("*1/*4x", "has a copy-number suffix '' that is not x2..x10 or x≥3")]
    [InlineData("*1/*4x1", "has a copy-number suffix '1' that is not x2..x10 or x≥3")]
    [InlineData("*1/*4x0", "has a copy-number suffix '0' that is not x2..x10 or x≥3")]
    [InlineData("*1/*4x11", "has a copy-number suffix '11' that is not x2..x10 or x≥3")]
    [InlineData("*1/*4x≥4", "has a copy-number suffix '≥4' that is not x2..x10 or x≥3")]
    [InlineData("*1xN/*4", "uses '*1xN'; CPIC needs the copy number (*1x2 or *1x≥3)")]
    public void BadCopyNumber_IsRejected(string value, string problem)
    {
        var error = SingleError(Parse(("CYP2D6", value)));
        Assert.Equal("CYP2D6", error.Gene);
        Assert.Equal($"CYP2D6 value '{value}' {problem}", error.Message);
    }

    [Theory]
    [InlineData("CYP2C19", "*1/*2x2")]
    [InlineData("CYP2B6", "*6x2/*1")]
    public void CopyNumber_IsOnlyAcceptedForCyp2d6(string gene, string value)
    {
        var error = SingleError(Parse((gene, value)));
        Assert.Equal($"{gene} value '{value}' has a copy-number suffix, which is only accepted for CYP2D6", error.Message);
    }

    [Theory]
    [InlineData("CYP2D6", "*1/*999", "*999")]
    [InlineData("CYP2D6", "*57/*1", "*57")]     // withdrawn allele
    [InlineData("CYP2D6", "*1x2/*200", "*200")]
    [InlineData("CYP2C19", "*1/*42", "*42")]     // defined by PharmVar/CPIC later, no CPIC function yet
    [InlineData("CYP2C19", "*20/*1", "*20")]
    [InlineData("CYP2B6", "*1/*50", "*50")]
    public void AlleleNotInTheTable_IsRejectedNamingTheAllele(string gene, string value, string allele)
    {
        var error = SingleError(Parse((gene, value)));
        Assert.Equal(gene, error.Gene);
        Assert.Equal(value, error.Value);
        Assert.Equal($"{gene} value '{value}': allele {allele} is not in the CPIC {gene} allele table", error.Message);
    }

    [Theory]
    [InlineData("HLA-B*15:02", "pos")]
    [InlineData("HLA-B*15:02", "*15:02/*15:02")]
    [InlineData("HLA-A*31:01", "yes")]
    public void HlaValue_MustBePositiveOrNegative(string gene, string value)
    {
        var error = SingleError(Parse((gene, value)));
        Assert.Equal($"{gene} value '{value}' is not positive or negative", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyValue_IsRejected(string value)
    {
        var error = SingleError(Parse(("CYP2D6", value)));
        Assert.Equal("CYP2D6 needs a value", error.Message);
    }

    [Fact]
    public void NullValue_IsRejected()
    {
        var error = SingleError(Genotype.Parse(new Dictionary<string, string> { ["CYP2C19"] = null! }));
        Assert.Equal("CYP2C19", error.Gene);
        Assert.Equal("CYP2C19 needs a value", error.Message);
    }

    [Fact]
    public void EmptyOrNullInput_IsRejected()
    {
        foreach (var input in new[] { null, new Dictionary<string, string>() })
        {
            var error = SingleError(Genotype.Parse(input));
            Assert.Equal("genotype", error.Gene);
            Assert.StartsWith("genotype must name at least one gene", error.Message);
        }
    }

    [Fact]
    public void SameGeneTwice_DifferingOnlyByCase_IsRejected()
    {
        var error = SingleError(Genotype.Parse(new Dictionary<string, string> { ["CYP2D6"] = "*1/*1", ["cyp2d6"] = "*1/*4" }));
        Assert.Equal("CYP2D6", error.Gene);
        Assert.Equal("CYP2D6 is given more than once", error.Message);
    }

    [Fact]
    public void SeveralBadGenes_AreAllReported_AndNothingIsAccepted()
    {
        var result = Genotype.Parse(new Dictionary<string, string>
        {
            ["CYP2D6"] = "*1/*4",
            ["CYP2C19"] = "*1/*99",
            ["TPMT"] = "*1/*3A",
            ["HLA-B*15:02"] = "maybe",
        });

        Assert.False(result.IsValid);
        Assert.Null(result.Genotype);
        Assert.Equal(["CYP2C19", "HLA-B*15:02", "TPMT"], result.Errors.Select(e => e.Gene).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void HugeInput_ReportsAtMostTheCap_AndTruncatesEchoedValues()
    {
        var input = Enumerable.Range(0, 100).ToDictionary(i => $"GENE{i}", _ => new string('x', 500));
        var result = Genotype.Parse(input);

        Assert.Equal(Genotype.MaxReportedErrors, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.DoesNotContain(new string('x', 41), e.Message));
        Assert.All(result.Errors, e => Assert.Equal(new string('x', 40) + "…", e.Value));
    }

    [Fact]
    public void UncertainFunctionAllele_IsAccepted()
    {
        // Defined but of uncertain function: valid input; the phenotype is Indeterminate (see PhenotypeCalculatorTests).
        Assert.True(Parse(("CYP2C19", "*1/*12")).IsValid);
        Assert.True(Parse(("CYP2D6", "*22/*1")).IsValid);
    }
}
