using System.Globalization;
using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

public class PhenotypeCalculatorTests
{
    private const MetabolizerPhenotype UM = MetabolizerPhenotype.UltrarapidMetabolizer;
    private const MetabolizerPhenotype RM = MetabolizerPhenotype.RapidMetabolizer;
    private const MetabolizerPhenotype NM = MetabolizerPhenotype.NormalMetabolizer;
    private const MetabolizerPhenotype LIM = MetabolizerPhenotype.LikelyIntermediateMetabolizer;
    private const MetabolizerPhenotype IM = MetabolizerPhenotype.IntermediateMetabolizer;
    private const MetabolizerPhenotype LPM = MetabolizerPhenotype.LikelyPoorMetabolizer;
    private const MetabolizerPhenotype PM = MetabolizerPhenotype.PoorMetabolizer;
    private const MetabolizerPhenotype Ind = MetabolizerPhenotype.Indeterminate;

    // ---- the examples the issue requires ----

    [Theory]
    [InlineData("*1/*1", NM, 2.0)]
    [InlineData("*1/*4", IM, 1.0)]
    [InlineData("*1/*10", NM, 1.25)]
    [InlineData("*1/*1x2", UM, 3.0)]
    [InlineData("*4/*4", PM, 0.0)]
    public void Cyp2d6_RequiredExamples(string diplotype, MetabolizerPhenotype phenotype, double score)
    {
        var result = PgxTestData.Phenotype("CYP2D6", diplotype);
        Assert.Equal(phenotype, result.Phenotype);
        Assert.Equal((decimal)score, result.ActivityScore);
        Assert.False(result.ActivityScoreIsLowerBound);
    }

    [Theory]
    [InlineData("*1/*17", RM)]
    [InlineData("*17/*17", UM)]
    [InlineData("*1/*2", IM)]
    [InlineData("*2/*17", IM)]
    [InlineData("*2/*2", PM)]
    [InlineData("*1/*12", Ind)]
    public void Cyp2c19_RequiredExamples(string diplotype, MetabolizerPhenotype phenotype)
    {
        var result = PgxTestData.Phenotype("CYP2C19", diplotype);
        Assert.Equal(phenotype, result.Phenotype);
        Assert.Null(result.ActivityScore);
    }

    // ---- the rest of the tables ----

    [Theory]
    [InlineData("*1/*2", NM, "2.0")]
    [InlineData("*2/*35", NM, "2.0")]
    [InlineData("*1/*3", IM, "1.0")]
    [InlineData("*1/*5", IM, "1.0")]
    [InlineData("*1/*9", NM, "1.25")]
    [InlineData("*1/*41", NM, "1.25")]
    [InlineData("*1/*17", NM, "1.5")]
    [InlineData("*1/*29", NM, "1.5")]
    [InlineData("*10/*10", IM, "0.5")]
    [InlineData("*4/*10", IM, "0.25")]
    [InlineData("*4/*41", IM, "0.25")]
    [InlineData("*10/*36", IM, "0.25")]
    [InlineData("*17/*29", IM, "1.0")]
    [InlineData("*9/*41", IM, "0.5")]
    [InlineData("*5/*5", PM, "0.0")]
    [InlineData("*3/*4", PM, "0.0")]
    [InlineData("*4/*6", PM, "0.0")]
    [InlineData("*1x2/*4", NM, "2.0")]          // *1x2 = 2.0, *4 = 0
    [InlineData("*1x2/*9", NM, "2.25")]
    [InlineData("*1x2/*17", UM, "2.5")]
    [InlineData("*2/*2x2", UM, "3.0")]
    [InlineData("*1/*1x3", UM, "4.0")]
    [InlineData("*4/*4x2", PM, "0.0")]
    [InlineData("*4/*10x2", IM, "0.5")]
    [InlineData("*1/*41x3", NM, "1.75")]        // CPIC lists *41x3 = 0.75
    [InlineData("*1/*17x2", NM, "2.0")]         // CPIC lists *17x2 = 1.0 (normal function)
    [InlineData("*4/*1x≥3", UM, "≥3.0")]        // CPIC: *1x≥3 = ≥3.0
    [InlineData("*1/*4x≥3", IM, "1.0")]         // a no-function allele stays 0 however many copies
    [InlineData("*10x≥3/*4", Ind, "≥0.75")]     // ≥0.75 could be intermediate or normal: not determinable
    [InlineData("*1/*22", Ind, null)]           // *22 uncertain function
    [InlineData("*1/*58", Ind, null)]           // *58 unknown function
    [InlineData("*22/*22x2", Ind, null)]
    public void Cyp2d6_ActivityScoreTable(string diplotype, MetabolizerPhenotype phenotype, string? score)
    {
        var result = PgxTestData.Phenotype("CYP2D6", diplotype);
        Assert.Equal(phenotype, result.Phenotype);
        Assert.Equal(score, result.ActivityScoreText);
    }

    [Theory]
    [InlineData("*1/*1", NM)]
    [InlineData("*1/*11", NM)]
    [InlineData("*1/*9", LIM)]          // one normal + one decreased: likely intermediate (CPIC 2022)
    [InlineData("*9/*10", LIM)]         // two decreased
    [InlineData("*9/*17", LIM)]         // decreased + increased
    [InlineData("*1/*16", LIM)]
    [InlineData("*1/*19", LIM)]
    [InlineData("*2/*9", LPM)]          // no function + decreased: likely poor
    [InlineData("*3/*10", LPM)]
    [InlineData("*3/*17", IM)]
    [InlineData("*2/*3", PM)]
    [InlineData("*4/*35", PM)]
    [InlineData("*1/*4", IM)]
    [InlineData("*12/*17", Ind)]
    [InlineData("*2/*12", Ind)]
    [InlineData("*14/*23", Ind)]
    public void Cyp2c19_PhenotypeTable(string diplotype, MetabolizerPhenotype phenotype) =>
        Assert.Equal(phenotype, PgxTestData.Phenotype("CYP2C19", diplotype).Phenotype);

    [Theory]
    [InlineData("*1/*1", NM)]
    [InlineData("*1/*2", NM)]
    [InlineData("*1/*4", RM)]
    [InlineData("*4/*4", UM)]
    [InlineData("*1/*6", IM)]
    [InlineData("*1/*18", IM)]
    [InlineData("*4/*6", IM)]
    [InlineData("*4/*18", IM)]
    [InlineData("*6/*6", PM)]           // two decreased-function alleles are poor metabolizers for CYP2B6 (CPIC 2019)
    [InlineData("*6/*18", PM)]
    [InlineData("*18/*18", PM)]
    [InlineData("*6/*9", PM)]
    [InlineData("*1/*22", Ind)]
    [InlineData("*6/*3", Ind)]
    public void Cyp2b6_PhenotypeTable(string diplotype, MetabolizerPhenotype phenotype) =>
        Assert.Equal(phenotype, PgxTestData.Phenotype("CYP2B6", diplotype).Phenotype);

    [Theory]
    [InlineData("HLA-B*15:02", "positive", MetabolizerPhenotype.Positive)]
    [InlineData("HLA-B*15:02", "negative", MetabolizerPhenotype.Negative)]
    [InlineData("HLA-A*31:01", "Positive", MetabolizerPhenotype.Positive)]
    [InlineData("HLA-A*31:01", "negative", MetabolizerPhenotype.Negative)]
    public void Hla_CarrierStatus(string gene, string value, MetabolizerPhenotype phenotype)
    {
        var result = PgxTestData.Phenotype(gene, value);
        Assert.Equal(phenotype, result.Phenotype);
        Assert.Equal(value.ToLowerInvariant(), result.Diplotype);
        Assert.Empty(result.AlleleFunctions);
    }

    [Fact]
    public void AlleleFunctions_ReportEachHaplotype_IncludingDuplications()
    {
        var result = PgxTestData.Phenotype("CYP2D6", "*17x2/*1x2");

        Assert.Equal("*1x2/*17x2", result.Diplotype);
        Assert.Equal(
            [
                new AlleleFunctionCall("*1x2", AlleleFunction.IncreasedFunction, 2.0m),
                new AlleleFunctionCall("*17x2", AlleleFunction.NormalFunction, 1.0m),
            ],
            result.AlleleFunctions);
        Assert.Equal("Ultrarapid Metabolizer", result.PhenotypeTerm);
    }

    [Fact]
    public void InvalidInput_ThrowsWithTheValidationMessage()
    {
        var e = Assert.Throws<ArgumentException>(() => PgxTestData.Phenotype("CYP2D6", "*1/*999"));
        Assert.StartsWith("CYP2D6 value '*1/*999': allele *999 is not in the CPIC CYP2D6 allele table", e.Message);
    }

    [Fact]
    public void Phenotypes_OfAGenotype_AreOrderedByGene()
    {
        var genotype = PgxTestData.Genotype(("CYP2D6", "*1/*4"), ("CYP2C19", "*1/*17"), ("HLA-B*15:02", "negative"));
        var phenotypes = PhenotypeCalculator.Default.Phenotypes(genotype);
        Assert.Equal(["CYP2C19", "CYP2D6", "HLA-B*15:02"], phenotypes.Select(p => p.Gene));
        Assert.Equal([RM, IM, MetabolizerPhenotype.Negative], phenotypes.Select(p => p.Phenotype));
    }

    // ---- cross-check against CPIC's own diplotype-phenotype tables ----

    public static TheoryData<string> FixtureGenes() => new("CYP2D6", "CYP2C19", "CYP2B6");

    /// <summary>
    /// Pharmacogenomics/Data/cpic-diplotype-phenotype.tsv holds CPIC's Diplotype-Phenotype table rows (every CYP2C19 and
    /// CYP2B6 diplotype; CYP2D6 diplotypes of the common alleles, with duplications); the calculator must agree with all.
    /// </summary>
    [Theory]
    [MemberData(nameof(FixtureGenes))]
    public void Calculator_AgreesWithCpicDiplotypePhenotypeTable(string gene)
    {
        var rows = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Pharmacogenomics", "Data", "cpic-diplotype-phenotype.tsv"))
            .Where(l => !l.StartsWith('#') && l.Length > 0)
            .Select(l => l.Split('\t'))
            .Where(c => c[0] == gene)
            .ToList();
        Assert.True(rows.Count > (gene == "CYP2D6" ? 1000 : 500), $"{rows.Count} rows");

        var mismatches = new List<string>();
        foreach (var c in rows)
        {
            var result = PgxTestData.Phenotype(gene, c[1]);
            if (result.PhenotypeTerm != c[2]) mismatches.Add($"{c[1]}: {result.PhenotypeTerm}, CPIC {c[2]}");
            if (gene == "CYP2D6")
            {
                var expected = c[3] == "n/a" ? null : c[3];
                var actual = result.ActivityScore is { } s
                    ? (result.ActivityScoreIsLowerBound ? "≥" : "") + s.ToString("0.0#", CultureInfo.InvariantCulture)
                    : null;
                if (actual != expected) mismatches.Add($"{c[1]}: AS {actual}, CPIC {expected}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches.Take(30)));
    }
}
