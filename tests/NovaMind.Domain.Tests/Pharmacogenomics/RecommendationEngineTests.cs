using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

/// <summary>
/// Expected strengths and actions are CPIC's, read from CPIC's recommendation tables (as annotated by PharmGKB,
/// CPIC database of 2024-03-25): SSRI/SNRI guideline 2023 (Bousman et al., PMID 37032427), TCA guideline 2016 update
/// (Hicks et al., PMID 27997040), atomoxetine 2019 (Brown et al., PMID 30801677), HLA/carbamazepine 2017 update
/// (Phillips et al., PMID 29392710). The action labels are this knowledge base's short form of CPIC's text.
/// </summary>
public class RecommendationEngineTests
{
    private static readonly RecommendationEngine Engine = RecommendationEngine.Default;

    private static Genotype G(string spec) =>
        PgxTestData.Genotype(spec.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=')).Select(p => (p[0], p[1])).ToArray());

    private static DrugRecommendation R(string drug, string genotype, string[]? coMeds = null, string? population = null) =>
        Engine.Recommend(drug, G(genotype), coMeds, population);

    private const RecommendationStrength Strong = RecommendationStrength.Strong;
    private const RecommendationStrength Moderate = RecommendationStrength.Moderate;
    private const RecommendationStrength Optional = RecommendationStrength.Optional;
    private const RecommendationStrength None = RecommendationStrength.NoRecommendation;

    [Theory]
    // SSRI/SNRI 2023 — paroxetine by CYP2D6 phenotype
    [InlineData("paroxetine", "CYP2D6=*1/*1", Strong, "use standard dose")]
    [InlineData("paroxetine", "CYP2D6=*1/*4", Optional, "consider lower starting dose and slower titration")]
    [InlineData("paroxetine", "CYP2D6=*4/*4", Moderate, "consider 50% reduced starting and maintenance dose")]
    [InlineData("paroxetine", "CYP2D6=*1/*1x2", Moderate, "select alternative")]
    [InlineData("paroxetine", "CYP2D6=*1/*22", None, "no recommendation")]
    // fluvoxamine
    [InlineData("fluvoxamine", "CYP2D6=*1/*2", Strong, "use standard dose")]
    [InlineData("fluvoxamine", "CYP2D6=*4/*10", Moderate, "use standard dose")]
    [InlineData("fluvoxamine", "CYP2D6=*3/*4", Optional, "consider 25-50% reduced starting dose or alternative")]
    [InlineData("fluvoxamine", "CYP2D6=*2/*2x2", None, "no recommendation")]
    // venlafaxine
    [InlineData("venlafaxine", "CYP2D6=*1/*1", Strong, "use standard dose")]
    [InlineData("venlafaxine", "CYP2D6=*1/*5", None, "no action based on genotype")]
    [InlineData("venlafaxine", "CYP2D6=*4/*5", Optional, "consider alternative")]
    [InlineData("venlafaxine", "CYP2D6=*1/*1x2", None, "no action based on genotype")]
    // vortioxetine
    [InlineData("vortioxetine", "CYP2D6=*1/*41", Strong, "use standard dose")]
    [InlineData("vortioxetine", "CYP2D6=*4/*41", Moderate, "use standard dose")]
    [InlineData("vortioxetine", "CYP2D6=*4/*6", Moderate, "consider 50% reduced starting dose (max 10 mg/day) or alternative")]
    [InlineData("vortioxetine", "CYP2D6=*1/*2x2", Optional, "select alternative; if used, a higher maintenance dose may be needed")]
    // citalopram / escitalopram by CYP2C19 ("likely" phenotypes take the phenotype's recommendation)
    [InlineData("citalopram", "CYP2C19=*1/*1", Strong, "use standard dose")]
    [InlineData("citalopram", "CYP2C19=*1/*17", Optional, "use standard starting dose; if response is inadequate, higher maintenance dose or alternative")]
    [InlineData("citalopram", "CYP2C19=*17/*17", Strong, "consider alternative; if used, a higher maintenance dose may be needed")]
    [InlineData("citalopram", "CYP2C19=*1/*2", Moderate, "use standard starting dose; slower titration and lower maintenance dose")]
    [InlineData("citalopram", "CYP2C19=*1/*9", Moderate, "use standard starting dose; slower titration and lower maintenance dose")]
    [InlineData("citalopram", "CYP2C19=*2/*2", Strong, "consider alternative; if used, lower dose and 50% lower maintenance dose")]
    [InlineData("escitalopram", "CYP2C19=*2/*9", Strong, "consider alternative; if used, lower dose and 50% lower maintenance dose")]
    [InlineData("escitalopram", "CYP2C19=*1/*12", None, "no recommendation")]
    // sertraline: CPIC's combined CYP2C19 x CYP2B6 table (CYP2C19 poor/likely poor dominate; CYP2B6 decides when CYP2C19 is normal)
    [InlineData("sertraline", "CYP2C19=*1/*1;CYP2B6=*1/*1", Strong, "use standard dose")]
    [InlineData("sertraline", "CYP2C19=*2/*2;CYP2B6=*1/*1", Moderate, "consider lower dose (50% lower maintenance) or alternative")]
    [InlineData("sertraline", "CYP2C19=*1/*2;CYP2B6=*1/*1", Moderate, "use standard starting dose; slower titration and lower maintenance dose")]
    [InlineData("sertraline", "CYP2C19=*1/*1;CYP2B6=*6/*6", Optional, "consider lower dose (25% lower maintenance) or alternative")]
    [InlineData("sertraline", "CYP2C19=*1/*2;CYP2B6=*6/*6", Optional, "consider lower starting dose and 50% lower maintenance dose")]
    [InlineData("sertraline", "CYP2C19=*2/*2;CYP2B6=*6/*18", Optional, "select alternative")]
    [InlineData("sertraline", "CYP2C19=*1/*17;CYP2B6=*1/*4", Optional, "use standard starting dose; if response is inadequate, higher maintenance dose or alternative")]
    [InlineData("sertraline", "CYP2C19=*17/*17;CYP2B6=*6/*6", Optional, "use standard dose")]
    [InlineData("sertraline", "CYP2C19=*1/*1", Strong, "use standard dose")]                     // CYP2B6 "No Result" row
    [InlineData("sertraline", "CYP2B6=*1/*6", Optional, "use standard starting dose; slower titration and lower maintenance dose")] // CYP2C19 "No Result"
    [InlineData("sertraline", "CYP2C19=*1/*12;CYP2B6=*1/*1", Moderate, "use standard dose")]
    [InlineData("sertraline", "CYP2C19=*1/*12;CYP2B6=*1/*22", None, "no recommendation")]
    // TCAs 2016: amitriptyline, CPIC's combined CYP2D6 x CYP2C19 table
    [InlineData("amitriptyline", "CYP2D6=*1/*1;CYP2C19=*1/*1", Strong, "use standard dose")]
    [InlineData("amitriptyline", "CYP2D6=*1/*4;CYP2C19=*1/*1", Moderate, "consider 25% reduced starting dose")]
    [InlineData("amitriptyline", "CYP2D6=*4/*4;CYP2C19=*1/*1", Strong, "avoid; if used, consider 50% reduced starting dose")]
    [InlineData("amitriptyline", "CYP2D6=*1/*1x2;CYP2C19=*1/*1", Strong, "avoid; if used, consider a higher target dose")]
    [InlineData("amitriptyline", "CYP2D6=*1/*1;CYP2C19=*2/*2", Moderate, "avoid; if used, consider 50% reduced starting dose")]
    [InlineData("amitriptyline", "CYP2D6=*1/*1;CYP2C19=*1/*2", Strong, "use standard dose")]
    [InlineData("amitriptyline", "CYP2D6=*1/*1;CYP2C19=*1/*17", Optional, "consider alternative; if used, guide dosing by drug monitoring")]
    [InlineData("amitriptyline", "CYP2D6=*1/*4;CYP2C19=*2/*2", Optional, "avoid; if used, guide dosing by drug monitoring")]
    [InlineData("amitriptyline", "CYP2D6=*1/*4;CYP2C19=*1/*2", Optional, "consider 25% reduced starting dose")]
    [InlineData("amitriptyline", "CYP2C19=*2/*2", Moderate, "avoid tertiary-amine TCA; if used, consider 50% reduced starting dose")]
    [InlineData("amitriptyline", "CYP2C19=*17/*17", Optional, "avoid tertiary-amine TCA; if used, guide dosing by drug monitoring")]
    [InlineData("amitriptyline", "CYP2D6=*4/*4", Strong, "avoid; if used, consider 50% reduced starting dose")]
    [InlineData("amitriptyline", "CYP2D6=*1/*22;CYP2C19=*1/*1", None, "no recommendation")]
    // other tertiary amines share the table with weaker strengths
    [InlineData("clomipramine", "CYP2D6=*1/*4;CYP2C19=*1/*1", Optional, "consider 25% reduced starting dose")]
    [InlineData("doxepin", "CYP2D6=*4/*4;CYP2C19=*1/*1", Optional, "avoid; if used, consider 50% reduced starting dose")]
    [InlineData("imipramine", "CYP2D6=*1/*1;CYP2C19=*1/*1", Strong, "use standard dose")]
    [InlineData("trimipramine", "CYP2D6=*1/*1;CYP2C19=*2/*3", Optional, "avoid; if used, consider 50% reduced starting dose")]
    // secondary amines: CYP2D6 only (CYP2C19 is ignored)
    [InlineData("nortriptyline", "CYP2D6=*1/*1x2;CYP2C19=*2/*2", Strong, "avoid; if used, consider a higher target dose")]
    [InlineData("nortriptyline", "CYP2D6=*4/*17", Moderate, "consider 25% reduced starting dose")]   // AS 0.5
    [InlineData("nortriptyline", "CYP2D6=*1/*4", Optional, "consider 25% reduced starting dose")]    // AS 1.0
    [InlineData("nortriptyline", "CYP2D6=*4/*5", Strong, "avoid; if used, consider 50% reduced starting dose")]
    [InlineData("desipramine", "CYP2D6=*4/*5", Optional, "avoid; if used, consider 50% reduced starting dose")]
    // atomoxetine (adults): AS 0-0.75 start 40 mg/day and titrate slowly; AS >= 1 standard titration
    [InlineData("atomoxetine", "CYP2D6=*1/*1", Moderate, "use standard dose; titrate by response and peak concentration")]
    [InlineData("atomoxetine", "CYP2D6=*1/*4", Moderate, "use standard dose; titrate by response and peak concentration")]
    [InlineData("atomoxetine", "CYP2D6=*4/*17", Moderate, "start 40 mg/day; titrate slowly, guided by plasma concentration")]
    [InlineData("atomoxetine", "CYP2D6=*4/*4", Moderate, "start 40 mg/day; titrate slowly, guided by plasma concentration")]
    // carbamazepine / oxcarbazepine (treatment-naive)
    [InlineData("carbamazepine", "HLA-B*15:02=positive;HLA-A*31:01=negative", Strong, "do not use")]
    [InlineData("carbamazepine", "HLA-B*15:02=positive;HLA-A*31:01=positive", Strong, "do not use")]
    [InlineData("carbamazepine", "HLA-B*15:02=negative;HLA-A*31:01=positive", Strong, "do not use if alternatives are available")]
    [InlineData("carbamazepine", "HLA-B*15:02=negative;HLA-A*31:01=negative", Strong, "use standard dose")]
    [InlineData("carbamazepine", "HLA-B*15:02=negative", Strong, "use standard dose")]
    [InlineData("carbamazepine", "HLA-A*31:01=positive", Strong, "do not use if alternatives are available")]
    [InlineData("oxcarbazepine", "HLA-B*15:02=positive", Strong, "do not use")]
    [InlineData("oxcarbazepine", "HLA-B*15:02=negative;HLA-A*31:01=positive", Strong, "use standard dose")]
    public void Recommendation_FollowsCpicTables(string drug, string genotype, RecommendationStrength strength, string action)
    {
        var r = R(drug, genotype);

        Assert.Equal(drug, r.Drug);
        Assert.Equal(strength, r.Strength);
        Assert.Equal(action, r.Action);
        Assert.False(r.GenotypeMissing);
        Assert.DoesNotContain("{drug}", r.Text);
        Assert.Equal(PgxTestData.Kb.Version, r.KnowledgeBaseVersion);
        Assert.False(string.IsNullOrWhiteSpace(r.Guideline));
        Assert.False(string.IsNullOrWhiteSpace(r.GuidelineVersion));
    }

    /// <summary>
    /// Replays every row of CPIC's recommendation tables for the supported drugs (Pharmacogenomics/Data/cpic-recommendations.tsv:
    /// 1,312 rows, every CYP2D6 activity score CPIC tabulates, every CYP2C19/CYP2B6 phenotype, "No Result" rows, all populations)
    /// and checks that exactly one rule matches with CPIC's strength and the expected action.
    /// </summary>
    [Fact]
    public void Engine_AgreesWithEveryRowOfCpicsRecommendationTables()
    {
        var kb = PgxTestData.Kb;
        var rows = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Pharmacogenomics", "Data", "cpic-recommendations.tsv"))
            .Where(l => !l.StartsWith('#') && l.Length > 0)
            .Select(l => l.Split('\t'))
            .ToList();
        Assert.True(rows.Count > 1300, $"{rows.Count} rows");

        var mismatches = new List<string>();
        foreach (var c in rows)
        {
            Assert.True(kb.TryGetGuidelineDrug(c[0], out var drug), c[0]);
            var given = c[2].Split(';').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
            var factors = drug.Genes.Select(gene => Factor(kb.Gene(gene), given[gene])).ToList();
            var matches = Engine.MatchingRules(drug, c[1], factors);
            if (matches.Count != 1) { mismatches.Add($"{string.Join(" | ", c)}: {matches.Count} rules"); continue; }
            var rule = matches[0];
            if (rule.Strength.ToCpicTerm() != c[3] || rule.ActionFor(drug.Name) != c[4])
                mismatches.Add($"{string.Join(" | ", c)}: got {rule.Strength.ToCpicTerm()} / {rule.ActionFor(drug.Name)}");
        }
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches.Take(30)));
    }

    private static GeneticFactor Factor(GeneDefinition gene, string value)
    {
        if (value == "No Result") return GeneticFactor.NotGenotyped(gene.Name);
        if (gene.Kind == GeneKind.ActivityScore)
        {
            if (value == "n/a") return new(gene.Name, true, "?", MetabolizerPhenotype.Indeterminate, null, false, MetabolizerPhenotype.Indeterminate, null);
            var lowerBound = value.StartsWith('≥');
            var score = decimal.Parse(value.TrimStart('≥'), System.Globalization.CultureInfo.InvariantCulture);
            var phenotype = PhenotypeCalculator.Classify(gene, score, lowerBound);
            return new(gene.Name, true, "?", phenotype, score, lowerBound, phenotype, score);
        }
        Assert.True(CpicTerms.TryParsePhenotype(value, out var p), value);
        return new(gene.Name, true, "?", p, null, false, p, null);
    }

    [Theory]
    [InlineData("paroxetine", "Bousman CA et al. Clin Pharmacol Ther 2023;114(1):51-68 (PMID 37032427)", "2023")]
    [InlineData("amitriptyline", "Hicks JK et al. Clin Pharmacol Ther 2017;102(1):37-44 (PMID 27997040)", "2016 update (published 2017)")]
    [InlineData("atomoxetine", "Brown JT et al. Clin Pharmacol Ther 2019;106(1):94-102 (PMID 30801677)", "2019")]
    [InlineData("oxcarbazepine", "Phillips EJ et al. Clin Pharmacol Ther 2018;103(4):574-581 (PMID 29392710)", "2017 update (published 2018)")]
    public void Recommendation_CitesGuidelineAndVersion(string drug, string citation, string version)
    {
        var r = Engine.Recommend(drug, null, []);
        Assert.Equal(citation, r.Source.Guideline);
        Assert.Equal(version, r.GuidelineVersion);
    }

    [Fact]
    public void Sertraline_ReportsBothGenesAndTheText()
    {
        var r = R("sertraline", "CYP2C19=*1/*2;CYP2B6=*1/*6");

        // CPIC: CYP2C19 IM + CYP2B6 IM -> optional, standard start, slower titration, lower maintenance dose.
        Assert.Equal(Optional, r.Strength);
        Assert.Equal("Initiate therapy with the recommended starting dose; consider a slower titration and a lower maintenance dose than in normal metabolizers.", r.Text);
        Assert.Equal("CYP2C19 Intermediate Metabolizer; CYP2B6 Intermediate Metabolizer", r.MetabolizerStatus);
        Assert.Equal(["CYP2C19", "CYP2B6"], r.GeneticFactors.Select(f => f.Gene));
        Assert.All(r.GeneticFactors, f => Assert.True(f.Genotyped));
        Assert.Equal("*1/*2", r.GeneticFactors[0].Diplotype);
        Assert.Empty(r.Phenoconversions);
        Assert.Empty(r.MissingGenes);
        Assert.Equal("general", r.Population);
    }

    [Fact]
    public void TextNamesTheDrug_ForSharedTertiaryAmineRows()
    {
        var r = R("doxepin", "CYP2D6=*1/*1;CYP2C19=*2/*2");
        Assert.Equal("Avoid doxepin. If doxepin is warranted, consider a 50% reduction of the recommended starting dose and guide adjustments by therapeutic drug monitoring.", r.Text);
    }

    [Fact]
    public void MissingGenotype_FallsBackToStandardDosing()
    {
        var r = Engine.Recommend("paroxetine", null, []);

        Assert.True(r.GenotypeMissing);
        Assert.Equal(None, r.Strength);
        Assert.Equal("No recommendation", r.StrengthTerm);
        Assert.Equal("use standard dosing (genotype missing)", r.Action);
        Assert.StartsWith("No CYP2D6 genotype is on file for this patient", r.Text);
        Assert.Contains("standard dosing", r.Text);
        Assert.Equal(["CYP2D6"], r.MissingGenes);
        Assert.Equal("CYP2D6 not genotyped", r.MetabolizerStatus);
        Assert.False(Assert.Single(r.GeneticFactors).Genotyped);
        Assert.Equal("CPIC Guideline for CYP2D6, CYP2C19, CYP2B6, SLC6A4, and HTR2A Genotypes and Serotonin Reuptake Inhibitor Antidepressants", r.Guideline);
    }

    [Fact]
    public void GenotypeWithoutTheDrugsGenes_FallsBackToo()
    {
        var r = R("carbamazepine", "CYP2D6=*1/*1");
        Assert.True(r.GenotypeMissing);
        Assert.Equal(["HLA-B*15:02", "HLA-A*31:01"], r.MissingGenes);
        Assert.StartsWith("No HLA-B*15:02 and HLA-A*31:01 genotype is on file", r.Text);

        var oxc = R("oxcarbazepine", "HLA-A*31:01=positive");
        Assert.True(oxc.GenotypeMissing);
    }

    [Fact]
    public void PartialGenotype_ListsTheMissingGene_ButUsesCpicsNoResultRow()
    {
        var r = R("amitriptyline", "CYP2D6=*1/*4");
        Assert.False(r.GenotypeMissing);
        Assert.Equal(["CYP2C19"], r.MissingGenes);
        Assert.Equal("CYP2D6 Intermediate Metabolizer; CYP2C19 not genotyped", r.MetabolizerStatus);
    }

    [Fact]
    public void StrongInhibitor_PhenoconvertsCyp2d6_BeforeTheTableIsRead()
    {
        // *1/*1 is a normal metabolizer; fluoxetine makes the activity score 0 -> poor metabolizer, CYP2C19 normal:
        // CPIC amitriptyline table, CYP2D6 PM x CYP2C19 NM -> Strong, avoid (50% starting dose if used).
        var r = R("amitriptyline", "CYP2D6=*1/*1;CYP2C19=*1/*1", ["fluoxetine"]);

        Assert.Equal(Strong, r.Strength);
        Assert.Equal("avoid; if used, consider 50% reduced starting dose", r.Action);
        var conversion = Assert.Single(r.Phenoconversions);
        Assert.Equal("fluoxetine", conversion.Inhibitor);
        Assert.Equal(2.0m, conversion.OriginalActivityScore);
        Assert.Equal(0m, conversion.AdjustedActivityScore);
        Assert.Equal(MetabolizerPhenotype.NormalMetabolizer, conversion.PhenotypeBefore);
        Assert.Equal(MetabolizerPhenotype.PoorMetabolizer, conversion.PhenotypeAfter);
        var d6 = r.GeneticFactors[0];
        Assert.Equal(MetabolizerPhenotype.PoorMetabolizer, d6.Phenotype);
        Assert.Equal(MetabolizerPhenotype.NormalMetabolizer, d6.GenotypePhenotype);
        Assert.Equal(0m, d6.ActivityScore);
        Assert.Equal(2.0m, d6.GenotypeActivityScore);
        Assert.Equal("CYP2D6 Poor Metabolizer (phenoconverted by fluoxetine; genotype alone: Normal Metabolizer); CYP2C19 Normal Metabolizer", r.MetabolizerStatus);
    }

    [Fact]
    public void ModerateInhibitor_HalvesTheActivityScore()
    {
        // *1/*1 + duloxetine: AS 1.0 -> intermediate; nortriptyline IM with AS 0.75-1.0 is Optional (CPIC).
        var r = R("nortriptyline", "CYP2D6=*1/*1", ["duloxetine"]);
        Assert.Equal(Optional, r.Strength);
        Assert.Equal("consider 25% reduced starting dose", r.Action);
        Assert.Equal(1.0m, Assert.Single(r.Phenoconversions).AdjustedActivityScore);
    }

    [Fact]
    public void PrescribedInhibitor_DoesNotPhenoconvertItself()
    {
        var r = R("paroxetine", "CYP2D6=*1/*1", ["paroxetine"]);
        Assert.Empty(r.Phenoconversions);
        Assert.Equal(Strong, r.Strength);
    }

    [Fact]
    public void Inhibitor_DoesNotAffectDrugsWithoutCyp2d6()
    {
        var r = R("citalopram", "CYP2C19=*1/*1;CYP2D6=*1/*1", ["fluoxetine"]);
        Assert.Empty(r.Phenoconversions);
        Assert.Equal(Strong, r.Strength);
    }

    [Theory]
    [InlineData("treatment-naive", Strong, "do not use if alternatives are available")]
    [InlineData("no alternatives available", Optional, "use with increased clinical monitoring")]
    [InlineData("prior use over 3 months", Optional, "cautiously consider use")]
    public void Carbamazepine_Populations(string population, RecommendationStrength strength, string action)
    {
        var r = R("carbamazepine", "HLA-B*15:02=negative;HLA-A*31:01=positive", population: population);
        Assert.Equal(population, r.Population);
        Assert.Equal(strength, r.Strength);
        Assert.Equal(action, r.Action);
    }

    [Fact]
    public void Atomoxetine_PediatricPoorMetabolizer_IsStrong()
    {
        var r = R("atomoxetine", "CYP2D6=*4/*4", population: "pediatrics");
        Assert.Equal(Strong, r.Strength);
        Assert.StartsWith("Start at 0.5 mg/kg/day.", r.Text);
        Assert.Equal("adults", R("atomoxetine", "CYP2D6=*4/*4").Population);
    }

    [Fact]
    public void UnknownPopulation_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => R("sertraline", "CYP2C19=*1/*1", population: "pediatrics"));
        Assert.StartsWith("population 'pediatrics' is not one of sertraline's: general", e.Message);
    }

    [Theory]
    [InlineData("Sertraline")]
    [InlineData("  NORTRIPTYLINE ")]
    public void DrugNames_IgnoreCaseAndSpace(string drug) =>
        Assert.Equal(drug.Trim().ToLowerInvariant(), Engine.Recommend(drug, null).Drug);

    [Theory]
    [InlineData("aspirin")]
    [InlineData("")]
    public void UnknownDrug_ThrowsWithTheKnownList(string drug)
    {
        var e = Assert.Throws<UnknownDrugException>(() => Engine.Recommend(drug, null));
        Assert.Equal(drug, e.Drug);
        Assert.Equal(PgxTestData.Kb.Drugs.KnownMedications, e.SupportedDrugs);
        Assert.Contains("known drugs: abiraterone, amitriptyline, atomoxetine", e.Message);
    }

    [Fact]
    public void EveryDrug_AnswersForEveryGenotypeOfTheRequiredExamples()
    {
        var genotype = G("CYP2D6=*1/*4;CYP2C19=*1/*17;CYP2B6=*1/*6;HLA-B*15:02=negative;HLA-A*31:01=positive");
        foreach (var drug in PgxTestData.Kb.Drugs.SupportedDrugs)
        {
            var r = Engine.Recommend(drug, genotype, ["duloxetine"]);
            Assert.False(r.GenotypeMissing);
            Assert.False(string.IsNullOrWhiteSpace(r.Text));
            Assert.DoesNotContain("{", r.Text);
        }
    }
}
