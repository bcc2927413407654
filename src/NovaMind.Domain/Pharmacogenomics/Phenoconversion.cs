namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>What a co-medication did to a gene's phenotype: the inhibitor, the activity score and phenotype before and after.</summary>
public sealed record PhenoconversionEffect(
    string Gene,
    string Inhibitor,
    InhibitorStrength Strength,
    decimal ActivityScoreFactor,
    decimal? OriginalActivityScore,
    decimal? AdjustedActivityScore,
    MetabolizerPhenotype PhenotypeBefore,
    MetabolizerPhenotype PhenotypeAfter,
    bool Applied,
    IReadOnlyList<string> OtherInhibitors,
    string Explanation,
    KnowledgeSource Source,
    KnowledgeSource InhibitorSource);

/// <summary>The phenotype to use for prescribing, and the phenoconversion that produced it (if any).</summary>
public sealed record PhenoconversionOutcome(GenePhenotype Phenotype, PhenoconversionEffect? Effect);

/// <summary>
/// CYP2D6 phenoconversion: a strong inhibitor multiplies the genotype activity score by 0, a moderate one by 0.5
/// (Borges 2010; Cicali 2021 tutorial), and the phenotype is re-derived from the adjusted score. With several
/// inhibitors the strongest one counts. The drug being prescribed is never treated as its own inhibitor.
/// </summary>
public sealed class Phenoconversion(PgxKnowledgeBase knowledgeBase)
{
    private static readonly Lazy<Phenoconversion> LazyDefault = new(() => new Phenoconversion(PgxKnowledgeBase.Default));

    public static Phenoconversion Default => LazyDefault.Value;

    public PgxKnowledgeBase KnowledgeBase { get; } = knowledgeBase ?? throw new ArgumentNullException(nameof(knowledgeBase));

    /// <summary>The inhibitors of <paramref name="gene"/> among <paramref name="coMedications"/>, strongest first.</summary>
    public IReadOnlyList<EnzymeInhibitor> InhibitorsOf(string gene, IEnumerable<string?>? coMedications, string? prescribedDrug = null)
    {
        var exclude = prescribedDrug is null ? null : DrugCatalogue.Normalize(prescribedDrug);
        var names = (coMedications ?? []).Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => DrugCatalogue.Normalize(m!)).ToHashSet(StringComparer.Ordinal);
        return KnowledgeBase.Inhibitors
            .Where(i => i.Gene == gene && names.Contains(i.Drug) && i.Drug != exclude)
            .OrderBy(i => i.ActivityScoreFactor)
            .ThenBy(i => i.Drug, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Applies the strongest inhibitor of the phenotype's gene found among <paramref name="coMedications"/>.</summary>
    public PhenoconversionOutcome Apply(GenePhenotype phenotype, IEnumerable<string?>? coMedications, string? prescribedDrug = null)
    {
        ArgumentNullException.ThrowIfNull(phenotype);
        var inhibitors = InhibitorsOf(phenotype.Gene, coMedications, prescribedDrug);
        if (inhibitors.Count == 0) return new(phenotype, null);

        var inhibitor = inhibitors[0];
        var others = inhibitors.Skip(1).Select(i => i.Drug).ToList();
        var gene = KnowledgeBase.Gene(phenotype.Gene);
        var strength = inhibitor.Strength.ToString().ToLowerInvariant();

        if (phenotype.ActivityScore is not { } original)
        {
            var note = $"{inhibitor.Drug} is a {strength} {phenotype.Gene} inhibitor, but the genotype has no activity score " +
                       $"({phenotype.PhenotypeTerm}), so phenoconversion cannot be calculated; the phenotype stays {phenotype.PhenotypeTerm}.";
            return new(phenotype, new PhenoconversionEffect(
                phenotype.Gene, inhibitor.Drug, inhibitor.Strength, inhibitor.ActivityScoreFactor, null, null,
                phenotype.Phenotype, phenotype.Phenotype, false, others, note, inhibitor.FactorSource, inhibitor.Source));
        }

        var adjusted = original * inhibitor.ActivityScoreFactor;
        var lowerBound = phenotype.ActivityScoreIsLowerBound && adjusted > 0;
        var after = PhenotypeCalculator.Classify(gene, adjusted, lowerBound);
        var converted = phenotype with { ActivityScore = adjusted, ActivityScoreIsLowerBound = lowerBound, Phenotype = after };
        var explanation =
            $"{inhibitor.Drug} is a {strength} {phenotype.Gene} inhibitor: activity score {phenotype.ActivityScoreText} x {inhibitor.ActivityScoreFactor:0.0#} = " +
            $"{converted.ActivityScoreText}, so the phenotype used for prescribing is {after.ToCpicTerm()} (genotype alone: {phenotype.PhenotypeTerm}).";
        return new(converted, new PhenoconversionEffect(
            phenotype.Gene, inhibitor.Drug, inhibitor.Strength, inhibitor.ActivityScoreFactor, original, adjusted,
            phenotype.Phenotype, after, true, others, explanation, inhibitor.FactorSource, inhibitor.Source));
    }
}
