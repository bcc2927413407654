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
/// <param name="Category">The guideline category of the row that matched (no guidance when no row applies).</param>
/// <param name="CategoryReason">Why the row has its category, where it mixes actions; null otherwise.</param>
/// <param name="RuleId">The knowledge-base row the recommendation came from; null when no row applies (no genotype, no guideline).</param>
/// <param name="CausedPhenoconversions">For a drug that inhibits an enzyme: what taking it would do to this patient's phenotype for other drugs.</param>
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
    string KnowledgeBaseVersion,
    GuidelineCategory Category,
    string? CategoryReason,
    string? RuleId,
    IReadOnlyList<PhenoconversionEffect> CausedPhenoconversions)
{
    public string StrengthTerm => Strength.ToCpicTerm();
}

/// <summary>Asked for a name that is no drug the knowledge base knows; carries the known names.</summary>
public sealed class UnknownDrugException(string drug, IReadOnlyList<string> supportedDrugs)
    : KeyNotFoundException($"'{Shorten(drug)}' is not a drug this knowledge base knows; known drugs: {string.Join(", ", supportedDrugs)}")
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
    /// genotyped, the answer says so and falls back to standard dosing (strength "No recommendation", category no guidance).
    /// A known drug without a CPIC recommendation table gets category no guidance and the phenoconversion it would cause.
    /// </summary>
    /// <param name="coMedications">Other drugs the patient takes; CYP2D6 inhibitors among them phenoconvert CYP2D6. Unknown names are ignored here (validate them with <see cref="DrugCatalogue.ValidateMedications"/>).</param>
    /// <param name="population">One of the drug's CPIC populations (e.g. "pediatrics" for atomoxetine); null for its default.</param>
    /// <exception cref="UnknownDrugException">The name is no drug the knowledge base knows.</exception>
    /// <exception cref="ArgumentException">The population is not one of the drug's.</exception>
    public DrugRecommendation Recommend(string drug, Genotype? genotype, IReadOnlyList<string>? coMedications = null, string? population = null)
    {
        ArgumentNullException.ThrowIfNull(drug);
        if (!KnowledgeBase.TryGetGuidelineDrug(drug, out var guidelineDrug))
        {
            return KnowledgeBase.Drugs.TryGet(drug, out var known)
                ? WithoutGuideline(known, genotype)
                : throw new UnknownDrugException(drug, KnowledgeBase.Drugs.KnownMedications);
        }
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
            KnowledgeBase.Version,
            rule.Category,
            rule.CategoryReason,
            rule.Id,
            []);
    }

    /// <summary>
    /// For a patient whose stored genotype no longer parses: no genotype-based recommendation, and the reason, so a person
    /// reviews the genotype. Never presented as "no genotype on record".
    /// </summary>
    public DrugRecommendation GenotypeNeedsReview(string drug, string reason)
    {
        if (!KnowledgeBase.Drugs.TryGet(drug, out var known)) throw new UnknownDrugException(drug, KnowledgeBase.Drugs.KnownMedications);
        var source = known.Guideline?.Guideline ?? known.WithoutGuideline?.Source ?? known.Inhibits[0].Source;
        var genes = known.Guideline?.Genes ?? known.Inhibits.Select(i => i.Gene).Distinct(StringComparer.Ordinal).ToList();
        var factors = genes.Select(GeneticFactor.NotGenotyped).ToList();
        return new DrugRecommendation(
            known.Name, "genotype needs review", RecommendationStrength.NoRecommendation,
            $"No genotype-based recommendation: {reason}", known.Guideline is null ? "no CPIC guideline" : source.Title, source.Published, source,
            known.Guideline?.DefaultPopulation ?? "general", factors, "genotype needs review", [], false, [], KnowledgeBase.Version,
            GuidelineCategory.NoGuidance, "The stored genotype cannot be interpreted with this knowledge base, so no CPIC row applies until it is reviewed.", null, []);
    }

    /// <summary>
    /// The population of a drug's table that fits the patient's history: CPIC's "prior use over 3 months" rows apply when the
    /// patient took the drug for more than 90 days (one recorded course, finished or current) with no cutaneous reaction
    /// ("rash") recorded on it; otherwise the drug's default population.
    /// </summary>
    public static string PopulationFor(GuidelineDrug drug, MedicationPlan plan, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(drug);
        ArgumentNullException.ThrowIfNull(plan);
        if (!drug.Populations.Contains(PriorUsePopulation)) return drug.DefaultPopulation;
        var courses = plan.History.Where(h => h.Drug == drug.Name).Select(h => (Days: h.End.DayNumber - h.Start.DayNumber, Rash: h.SideEffects.Contains(CutaneousReaction)))
            .Concat(plan.Current.Where(c => c.Drug == drug.Name).Select(c => (Days: today.DayNumber - c.Start.DayNumber, Rash: false)))
            .ToList();
        var tolerated = courses.Any(c => c.Days > PriorUseDays) && !courses.Any(c => c.Rash);
        return tolerated ? PriorUsePopulation : drug.DefaultPopulation;
    }

    /// <summary>CPIC's HLA population for patients who took the drug for more than three months without a cutaneous reaction.</summary>
    public const string PriorUsePopulation = "prior use over 3 months";
    private const int PriorUseDays = 90;
    private const string CutaneousReaction = "rash";

    private DrugRecommendation WithoutGuideline(CatalogueDrug drug, Genotype? genotype)
    {
        var factors = new List<GeneticFactor>();
        var caused = new List<PhenoconversionEffect>();
        foreach (var gene in drug.Inhibits.Select(i => i.Gene).Distinct(StringComparer.Ordinal))
        {
            if (genotype is null || !genotype.TryGet(gene, out var result)) { factors.Add(GeneticFactor.NotGenotyped(gene)); continue; }
            var phenotype = _phenotypes.Phenotype(result);
            factors.Add(GeneticFactor.From(phenotype, phenotype));
            if (_phenoconversion.Apply(phenotype, [drug.Name]).Effect is { } effect) caused.Add(effect);
        }
        var source = drug.WithoutGuideline?.Source ?? drug.Inhibits[0].Source;
        var what = drug.WithoutGuideline is { } w ? $"{drug.Name} ({w.DrugClass})" : drug.Name;
        var text = $"CPIC has no prescribing recommendation for {what} in knowledge base {KnowledgeBase.Version}; prescribe according to the product label and clinical judgement.";
        if (caused.Count > 0) text += " While it is taken: " + string.Join(" ", caused.Select(c => c.Explanation));
        else if (drug.Inhibits.Count > 0)
            text += $" It is a {drug.Inhibits[0].Strength.ToString().ToLowerInvariant()} {drug.Inhibits[0].Gene} inhibitor: drugs metabolised by {drug.Inhibits[0].Gene} are affected while it is taken.";
        return new DrugRecommendation(
            drug.Name, "no CPIC recommendation", RecommendationStrength.NoRecommendation, text,
            "no CPIC guideline", source.Published, source, "general", factors, Describe(factors, []), [],
            false, [], KnowledgeBase.Version, GuidelineCategory.NoGuidance,
            "The drug has no CPIC recommendation table.", null, caused);
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
            true, drug.Genes.ToList(), KnowledgeBase.Version, GuidelineCategory.NoGuidance,
            "No genotype for the drug's genes is on file, so no CPIC row applies.", null, []);
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
