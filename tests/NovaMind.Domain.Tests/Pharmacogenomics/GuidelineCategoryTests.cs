using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

/// <summary>
/// Guideline categories are data: every row of the knowledge base carries one, equivalent rows agree, and the known
/// clinical answers hold. These tests walk every row, so a new row without a sound category fails here.
/// </summary>
public class GuidelineCategoryTests
{
    private static readonly PgxKnowledgeBase Kb = PgxTestData.Kb;
    private static readonly RecommendationEngine Engine = RecommendationEngine.Default;

    public static TheoryData<string> RowIds() => [.. Kb.Rules.Select(r => r.Id)];

    private static RecommendationRule Row(string id) => Kb.Rules.Single(r => r.Id == id);

    [Theory]
    [MemberData(nameof(RowIds))]
    public void EveryRow_HasADefinedCategory_ConsistentWithItsStrength(string id)
    {
        var row = Row(id);
        Assert.True(Enum.IsDefined(row.Category));
        // CPIC's "No recommendation" classification and the no-guidance category go together, both ways.
        Assert.Equal(row.Strength == RecommendationStrength.NoRecommendation, row.Category == GuidelineCategory.NoGuidance);
        Assert.True(row.CategoryReason is null || row.CategoryReason.Length > 20, $"{id}: a category reason must say why");
    }

    [Fact]
    public void RowIds_AreUniqueAndNameTheirGuideline()
    {
        Assert.Equal(Kb.Rules.Count, Kb.Rules.Select(r => r.Id).Distinct().Count());
        Assert.All(Kb.Rules, r => Assert.StartsWith(r.Source.Id + "/r", r.Id));
        Assert.Equal(199, Kb.Rules.Count);
    }

    [Fact]
    public void SameActionInAGuideline_AlwaysHasTheSameCategory()
    {
        foreach (var group in Kb.Rules.GroupBy(r => (Guideline: r.Source.Id, r.Action)))
            Assert.True(group.Select(r => r.Category).Distinct().Count() == 1, $"{group.Key}: {string.Join(", ", group.Select(r => $"{r.Id}={r.Category}"))}");
    }

    [Fact]
    public void EveryMixedAction_SaysWhyItsCategoryWasChosen()
    {
        // Rows whose action offers an alternative or a fallback ("or", "if used") must carry the reason for their category.
        foreach (var row in Kb.Rules.Where(r => r.Action.Contains(" or ", StringComparison.Ordinal) || r.Action.Contains("if used", StringComparison.Ordinal)))
            Assert.False(row.CategoryReason is null, $"{row.Id} ({row.Action}) mixes actions but gives no category reason");
    }

    private static readonly Dictionary<MetabolizerPhenotype, MetabolizerPhenotype> Equivalent = new()
    {
        [MetabolizerPhenotype.LikelyIntermediateMetabolizer] = MetabolizerPhenotype.IntermediateMetabolizer,
        [MetabolizerPhenotype.LikelyPoorMetabolizer] = MetabolizerPhenotype.PoorMetabolizer,
    };

    [Fact]
    public void LikelyPhenotypes_GetTheCategoryOfTheirDefinitePhenotype()
    {
        var checkedPairs = 0;
        foreach (var row in Kb.Rules)
        foreach (var drugName in row.Drugs)
        foreach (var (gene, condition) in row.When)
        foreach (var likely in condition.Phenotypes.Where(Equivalent.ContainsKey))
        {
            Assert.True(Kb.TryGetGuidelineDrug(drugName, out var drug));
            var factors = drug.Genes.Select(g =>
            {
                var c = row.When[g];
                if (c.NoResult) return GeneticFactor.NotGenotyped(g);
                var phenotype = g == gene ? Equivalent[likely] : c.Phenotypes[0];
                return new GeneticFactor(g, true, null, phenotype, null, false, phenotype, null);
            }).ToList();
            var matches = Engine.MatchingRules(drug, row.Population, factors);
            var definite = Assert.Single(matches);
            Assert.True(definite.Category == row.Category,
                $"{row.Id} {drugName}: {likely} is {row.Category}, but {Equivalent[likely]} ({definite.Id}) is {definite.Category}");
            checkedPairs++;
        }
        Assert.True(checkedPairs >= 40, $"only {checkedPairs} likely-phenotype rows were compared");
    }

    [Fact]
    public void ARowWithoutACategory_IsRefusedWithItsFileAndRow()
    {
        const string file = "guideline-cpic-ssri-snri-2023.json";
        var e = Assert.Throws<InvalidDataException>(() => PgxKnowledgeBase.Load(PgxTestData.EmbeddedFilesWith(file,
            text => ReplaceFirst(text, "\"category\": \"alternative\",", ""))));
        Assert.Contains(file, e.Message);
        Assert.Contains("rules[0]: category '' is not one of standard, adjust, alternative, no_guidance, avoid", e.Message);

        var bad = Assert.Throws<InvalidDataException>(() => PgxKnowledgeBase.Load(PgxTestData.EmbeddedFilesWith(file,
            text => ReplaceFirst(text, "\"category\": \"alternative\"", "\"category\": \"maybe\""))));
        Assert.Contains("category 'maybe'", bad.Message);
    }

    private static string ReplaceFirst(string text, string find, string replace)
    {
        var i = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(i >= 0, $"'{find}' not found");
        return text[..i] + replace + text[(i + find.Length)..];
    }

    // ---- known answers (genotype → category), from CPIC's own wording ----

    [Theory]
    [InlineData("carbamazepine", "HLA-B*15:02=positive", GuidelineCategory.Avoid, "do not use")]
    [InlineData("oxcarbazepine", "HLA-B*15:02=positive", GuidelineCategory.Avoid, "do not use")]
    [InlineData("carbamazepine", "HLA-B*15:02=positive;HLA-A*31:01=negative", GuidelineCategory.Avoid, "do not use")]
    [InlineData("carbamazepine", "HLA-B*15:02=negative;HLA-A*31:01=positive", GuidelineCategory.Avoid, "do not use if alternatives are available")]
    [InlineData("carbamazepine", "HLA-A*31:01=positive", GuidelineCategory.Avoid, "do not use if alternatives are available")]
    [InlineData("carbamazepine", "HLA-B*15:02=negative;HLA-A*31:01=negative", GuidelineCategory.Standard, "use standard dose")]
    [InlineData("oxcarbazepine", "HLA-B*15:02=negative", GuidelineCategory.Standard, "use standard dose")]
    [InlineData("escitalopram", "CYP2C19=*17/*17", GuidelineCategory.Alternative, "consider alternative; if used, a higher maintenance dose may be needed")]
    [InlineData("citalopram", "CYP2C19=*17/*17", GuidelineCategory.Alternative, "consider alternative; if used, a higher maintenance dose may be needed")]
    [InlineData("citalopram", "CYP2C19=*2/*2", GuidelineCategory.Alternative, "consider alternative; if used, lower dose and 50% lower maintenance dose")]
    [InlineData("citalopram", "CYP2C19=*1/*17", GuidelineCategory.Adjust, "use standard starting dose; if response is inadequate, higher maintenance dose or alternative")]
    [InlineData("escitalopram", "CYP2C19=*1/*2", GuidelineCategory.Adjust, "use standard starting dose; slower titration and lower maintenance dose")]
    [InlineData("escitalopram", "CYP2C19=*1/*1", GuidelineCategory.Standard, "use standard dose")]
    [InlineData("paroxetine", "CYP2D6=*4/*4", GuidelineCategory.Adjust, "consider 50% reduced starting and maintenance dose")]
    [InlineData("paroxetine", "CYP2D6=*1/*1x2", GuidelineCategory.Alternative, "select alternative")]
    [InlineData("sertraline", "CYP2C19=*1/*1;CYP2B6=*1/*1", GuidelineCategory.Standard, "use standard dose")]
    [InlineData("sertraline", "CYP2C19=*2/*2;CYP2B6=*6/*6", GuidelineCategory.Alternative, "select alternative")]
    [InlineData("venlafaxine", "CYP2D6=*4/*4", GuidelineCategory.Alternative, "consider alternative")]
    [InlineData("venlafaxine", "CYP2D6=*1/*1x2", GuidelineCategory.NoGuidance, "no action based on genotype")]
    [InlineData("amitriptyline", "CYP2D6=*4/*4;CYP2C19=*1/*1", GuidelineCategory.Avoid, "avoid; if used, consider 50% reduced starting dose")]
    [InlineData("amitriptyline", "CYP2D6=*1/*4;CYP2C19=*1/*1", GuidelineCategory.Adjust, "consider 25% reduced starting dose")]
    [InlineData("nortriptyline", "CYP2D6=*1/*1x2", GuidelineCategory.Avoid, "avoid; if used, consider a higher target dose")]
    [InlineData("nortriptyline", "CYP2D6=*1/*1", GuidelineCategory.Standard, "use standard dose")]
    [InlineData("atomoxetine", "CYP2D6=*4/*4", GuidelineCategory.Adjust, "start 40 mg/day; titrate slowly, guided by plasma concentration")]
    [InlineData("fluvoxamine", "CYP2D6=*1/*1x2", GuidelineCategory.NoGuidance, "no recommendation")]
    public void KnownAnswers(string drug, string genotype, GuidelineCategory category, string action)
    {
        var r = Engine.Recommend(drug, G(genotype));
        Assert.Equal(action, r.Action);
        Assert.Equal(category, r.Category);
        Assert.NotNull(r.RuleId);
        Assert.Equal(category, Row(r.RuleId!).Category);
    }

    [Fact]
    public void NoGenotype_IsNoGuidance_WithoutARow()
    {
        var r = Engine.Recommend("sertraline", null);
        Assert.Equal(GuidelineCategory.NoGuidance, r.Category);
        Assert.Null(r.RuleId);
        Assert.True(r.GenotypeMissing);
    }

    [Theory]
    [InlineData("fluoxetine", "SSRI antidepressant", "Poor Metabolizer")]
    [InlineData("bupropion", "NDRI antidepressant", "Poor Metabolizer")]
    [InlineData("duloxetine", "SNRI antidepressant", "Intermediate Metabolizer")]
    [InlineData("mirtazapine", "noradrenergic and specific serotonergic antidepressant", null)]
    public void DrugsWithoutAGuideline_AreNoGuidance_WithThePhenoconversionTheyCause(string drug, string drugClass, string? cyp2d6After)
    {
        var r = Engine.Recommend(drug, G("CYP2D6=*1/*1;CYP2C19=*17/*17"));
        Assert.Equal(GuidelineCategory.NoGuidance, r.Category);
        Assert.Equal(RecommendationStrength.NoRecommendation, r.Strength);
        Assert.Null(r.RuleId);
        Assert.False(r.GenotypeMissing);
        Assert.Contains(drugClass, r.Text);
        if (cyp2d6After is null)
        {
            Assert.Empty(r.CausedPhenoconversions);
            return;
        }
        var effect = Assert.Single(r.CausedPhenoconversions);
        Assert.Equal(("CYP2D6", drug, MetabolizerPhenotype.NormalMetabolizer), (effect.Gene, effect.Inhibitor, effect.PhenotypeBefore));
        Assert.Equal(cyp2d6After, effect.PhenotypeAfter.ToCpicTerm());
        Assert.Contains(effect.Explanation, r.Text);
    }

    // ---- populations from the patient's own history (CPIC's HLA rows for prior use over three months) ----

    private static readonly DateOnly Today = new(2026, 11, 30);

    [Theory]
    [InlineData("none", "treatment-naive")]
    [InlineData("history 2025-01-01..2025-06-30", "prior use over 3 months")]
    [InlineData("history 2025-01-01..2025-03-01", "treatment-naive")]                  // 59 days: not over three months
    [InlineData("history 2025-01-01..2025-06-30 rash", "treatment-naive")]             // a cutaneous reaction on it
    [InlineData("history 2025-01-01..2025-06-30;history 2025-09-01..2025-09-10 rash", "treatment-naive")]
    [InlineData("current 2026-01-01", "prior use over 3 months")]
    [InlineData("current 2026-10-01", "treatment-naive")]
    public void Carbamazepine_PopulationFollowsTheHistory(string courses, string population)
    {
        Assert.True(Kb.TryGetGuidelineDrug("carbamazepine", out var drug));
        Assert.Equal(population, RecommendationEngine.PopulationFor(drug, Plan("carbamazepine", courses), Today));
    }

    [Fact]
    public void PriorToleratedUse_MakesAnHlaBCarrierAdjustNotAvoid()
    {
        Assert.True(Kb.TryGetGuidelineDrug("carbamazepine", out var drug));
        var population = RecommendationEngine.PopulationFor(drug, Plan("carbamazepine", "history 2025-01-01..2025-06-30"), Today);
        var r = Engine.Recommend("carbamazepine", G("HLA-B*15:02=positive"), null, population);
        Assert.Equal("cautiously consider use", r.Action);
        Assert.Equal(GuidelineCategory.Adjust, r.Category);
        Assert.Equal(GuidelineCategory.Avoid, Engine.Recommend("carbamazepine", G("HLA-B*15:02=positive")).Category);
    }

    [Fact]
    public void DrugsWithoutHistoryPopulations_UseTheirDefault()
    {
        Assert.True(Kb.TryGetGuidelineDrug("sertraline", out var drug));
        Assert.Equal("general", RecommendationEngine.PopulationFor(drug, Plan("sertraline", "history 2020-01-01..2021-01-01"), Today));
    }

    /// <summary>"history START..END [effects]" and "current START" entries separated by ';'.</summary>
    internal static MedicationPlan Plan(string drug, string courses)
    {
        var current = new List<CurrentMedication>();
        var history = new List<PastTreatment>();
        foreach (var course in courses.Split(';', StringSplitOptions.TrimEntries))
        {
            var parts = course.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts[0] == "current") current.Add(new CurrentMedication(drug, 100, DateOnly.Parse(parts[1])));
            if (parts[0] != "history") continue;
            var dates = parts[1].Split("..");
            history.Add(new PastTreatment(drug, 100, DateOnly.Parse(dates[0]), DateOnly.Parse(dates[1]), TreatmentResponse.Response, [.. parts.Skip(2)]));
        }
        return new MedicationPlan(current, history);
    }

    internal static Genotype G(string spec) => PgxTestData.Genotype([.. spec.Split(';').Select(p => p.Split('=')).Select(p => (p[0], p[1]))]);
}
