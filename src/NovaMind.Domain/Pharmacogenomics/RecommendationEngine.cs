namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>How one gene entered a recommendation.</summary>
/// <param name="Phenotype">The phenotype used for prescribing (after phenoconversion); null when not genotyped.</param>
/// <param name="GenotypePhenotype">The phenotype from the genotype alone; null when not genotyped.</param>
public sealed record GeneticFactor(
    string Gene,
    bool Genotyped,
    string? Diplotype,
    MetabolizerPhenotype? Phenotype,
    decimal? ActivityScore,
    bool ActivityScoreIsLowerBound,
    MetabolizerPhenotype? GenotypePhenotype,
    decimal? GenotypeActivityScore)
{
    public static GeneticFactor NotGenotyped(string gene) => new(gene, false, null, null, null, false, null, null);

    public static GeneticFactor From(GenePhenotype genotype, GenePhenotype effective) => new(
        genotype.Gene, true, genotype.Diplotype, effective.Phenotype, effective.ActivityScore, effective.ActivityScoreIsLowerBound,
        genotype.Phenotype, genotype.ActivityScore);
}

/// <summary>A CPIC-based prescribing recommendation for one drug and one patient.</summary>
public sealed record DrugRecommendation(
    string Drug,
    string Action,
    RecommendationStrength Strength,
    string Text,
    string Guideline,
    string GuidelineVersion,
    KnowledgeSource Source,
    string Population,
    IReadOnlyList<GeneticFactor> GeneticFactors,
    string MetabolizerStatus,
    IReadOnlyList<PhenoconversionEffect> Phenoconversions,
    bool GenotypeMissing,
    IReadOnlyList<string> MissingGenes,
    string KnowledgeBaseVersion)
{
    public string StrengthTerm => Strength.ToCpicTerm();
}

/// <summary>Asked for a drug the knowledge base has no recommendation table for; carries the supported names.</summary>
public sealed class UnknownDrugException(string drug, IReadOnlyList<string> supportedDrugs)
    : KeyNotFoundException($"no pharmacogenomic recommendation for '{Shorten(drug)}'; supported drugs: {string.Join(", ", supportedDrugs)}")
{
    public string Drug { get; } = drug;
    public IReadOnlyList<string> SupportedDrugs { get; } = supportedDrugs;

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}

/// <summary>
/// Picks the CPIC recommendation for a drug from the patient's genotype: each gene's phenotype (CYP2D6 after
/// phenoconversion by co-medications) is matched against the drug's CPIC table, including CPIC's combined tables
/// for drugs with two genes (sertraline: CYP2C19 + CYP2B6; tertiary-amine TCAs: CYP2D6 + CYP2C19; carbamazepine:
/// HLA-B*15:02 + HLA-A*31:01) and their "no result" rows for a gene that was not tested.
/// </summary>
public sealed class RecommendationEngine
{
    private static readonly Lazy<RecommendationEngine> LazyDefault = new(() => new RecommendationEngine(PgxKnowledgeBase.Default));

    private readonly PhenotypeCalculator _phenotypes;
    private readonly Phenoconversion _phenoconversion;

    public RecommendationEngine(PgxKnowledgeBase knowledgeBase)
    {
        KnowledgeBase = knowledgeBase ?? throw new ArgumentNullException(nameof(knowledgeBase));
        _phenotypes = new PhenotypeCalculator(knowledgeBase);
        _phenoconversion = new Phenoconversion(knowledgeBase);
    }

    public static RecommendationEngine Default => LazyDefault.Value;

    public PgxKnowledgeBase KnowledgeBase { get; }

    /// <summary>
    /// The recommendation for <paramref name="drug"/> (any case). Without a genotype, or with none of the drug's genes
    /// genotyped, the answer says so and falls back to standard dosing (strength "No recommendation").
    /// </summary>
    /// <param name="coMedications">Other drugs the patient takes; CYP2D6 inhibitors among them phenoconvert CYP2D6. Unknown names are ignored here (validate them with <see cref="DrugCatalogue.ValidateMedications"/>).</param>
    /// <param name="population">One of the drug's CPIC populations (e.g. "pediatrics" for atomoxetine); null for its default.</param>
    /// <exception cref="UnknownDrugException">The drug has no recommendation table.</exception>
    /// <exception cref="ArgumentException">The population is not one of the drug's.</exception>
    public DrugRecommendation Recommend(string drug, Genotype? genotype, IReadOnlyList<string>? coMedications = null, string? population = null)
    {
        ArgumentNullException.ThrowIfNull(drug);
        if (!KnowledgeBase.TryGetGuidelineDrug(drug, out var guidelineDrug))
            throw new UnknownDrugException(drug, KnowledgeBase.Drugs.SupportedDrugs);
        var pop = population ?? guidelineDrug.DefaultPopulation;
        if (!guidelineDrug.Populations.Contains(pop))
            throw new ArgumentException(
                $"population '{pop}' is not one of {guidelineDrug.Name}'s: {string.Join(", ", guidelineDrug.Populations)}", nameof(population));

        if (genotype is null) return Fallback(guidelineDrug, pop, guidelineDrug.Genes.Select(GeneticFactor.NotGenotyped).ToList(), []);

        var factors = new List<GeneticFactor>();
        var conversions = new List<PhenoconversionEffect>();
        foreach (var gene in guidelineDrug.Genes)
        {
            if (!genotype.TryGet(gene, out var result)) { factors.Add(GeneticFactor.NotGenotyped(gene)); continue; }
            var phenotype = _phenotypes.Phenotype(result);
            var outcome = _phenoconversion.Apply(phenotype, coMedications, guidelineDrug.Name);
            if (outcome.Effect is not null) conversions.Add(outcome.Effect);
            factors.Add(GeneticFactor.From(phenotype, outcome.Phenotype));
        }
        if (factors.All(f => !f.Genotyped)) return Fallback(guidelineDrug, pop, factors, conversions);

        var rule = FindRule(guidelineDrug, pop, factors);
        var source = guidelineDrug.Guideline;
        return new DrugRecommendation(
            guidelineDrug.Name,
            rule.ActionFor(guidelineDrug.Name),
            rule.Strength,
            rule.TextFor(guidelineDrug.Name),
            source.Title,
            source.Published,
            rule.Source,
            pop,
            factors,
            Describe(factors, conversions),
            conversions,
            false,
            factors.Where(f => !f.Genotyped).Select(f => f.Gene).ToList(),
            KnowledgeBase.Version);
    }

    /// <summary>The rules of the drug's table that match; exactly one for every combination of results (a knowledge-base test checks this).</summary>
    public IReadOnlyList<RecommendationRule> MatchingRules(GuidelineDrug drug, string population, IReadOnlyList<GeneticFactor> factors) =>
        KnowledgeBase.Rules
            .Where(r => r.Population == population && r.Drugs.Contains(drug.Name))
            .Where(r => factors.All(f => r.When.TryGetValue(f.Gene, out var c) && c.Matches(f)))
            .ToList();

    private RecommendationRule FindRule(GuidelineDrug drug, string population, IReadOnlyList<GeneticFactor> factors)
    {
        var matches = MatchingRules(drug, population, factors);
        return matches.Count == 1
            ? matches[0]
            : throw new InvalidOperationException(
                $"knowledge base {KnowledgeBase.Version}: {matches.Count} rules match {drug.Name} ({population}) for {Describe(factors, [])}");
    }

    private DrugRecommendation Fallback(GuidelineDrug drug, string population, List<GeneticFactor> factors, List<PhenoconversionEffect> conversions)
    {
        var genes = string.Join(" and ", drug.Genes);
        var text =
            $"No {genes} genotype is on file for this patient, so the CPIC recommendation cannot be applied. " +
            $"Prescribe {drug.Name} according to standard dosing guidance (product label and clinical judgement); consider {genes} genotyping.";
        var source = drug.Guideline;
        return new DrugRecommendation(
            drug.Name, "use standard dosing (genotype missing)", RecommendationStrength.NoRecommendation, text,
            source.Title, source.Published, source, population, factors, Describe(factors, conversions), conversions,
            true, drug.Genes.ToList(), KnowledgeBase.Version);
    }

    private static string Describe(IReadOnlyList<GeneticFactor> factors, IReadOnlyList<PhenoconversionEffect> conversions) =>
        string.Join("; ", factors.Select(f =>
        {
            if (!f.Genotyped) return $"{f.Gene} not genotyped";
            var text = $"{f.Gene} {f.Phenotype!.Value.ToCpicTerm()}";
            var effect = conversions.FirstOrDefault(c => c.Gene == f.Gene && c.Applied);
            return effect is null || (effect.PhenotypeAfter == effect.PhenotypeBefore && effect.AdjustedActivityScore == effect.OriginalActivityScore)
                ? text
                : $"{text} (phenoconverted by {effect.Inhibitor}; genotype alone: {effect.PhenotypeBefore.ToCpicTerm()})";
        }));
}
