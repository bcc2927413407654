using System.Globalization;

namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>The function (and activity value, for activity-score genes) of one haplotype of a diplotype.</summary>
public sealed record AlleleFunctionCall(string Allele, AlleleFunction Function, decimal? ActivityValue);

/// <summary>A gene result translated to a CPIC phenotype.</summary>
/// <param name="ActivityScore">CYP2D6 only; null when an allele has no activity value (uncertain/unknown function).</param>
/// <param name="ActivityScoreIsLowerBound">True for "≥" scores from an x≥3 duplication of a functional allele.</param>
public sealed record GenePhenotype(
    string Gene,
    string Diplotype,
    MetabolizerPhenotype Phenotype,
    decimal? ActivityScore,
    bool ActivityScoreIsLowerBound,
    IReadOnlyList<AlleleFunctionCall> AlleleFunctions)
{
    public string PhenotypeTerm => Phenotype.ToCpicTerm();

    /// <summary>The activity score as CPIC prints it ("1.25", "≥4.0"), or null.</summary>
    public string? ActivityScoreText => ActivityScore is { } s
        ? (ActivityScoreIsLowerBound ? "≥" : "") + s.ToString("0.0##", CultureInfo.InvariantCulture)
        : null;
}

/// <summary>Translates diplotypes to phenotypes with CPIC's rules as the knowledge base holds them.</summary>
public sealed class PhenotypeCalculator(PgxKnowledgeBase knowledgeBase)
{
    private static readonly Lazy<PhenotypeCalculator> LazyDefault = new(() => new PhenotypeCalculator(PgxKnowledgeBase.Default));

    /// <summary>A calculator over the embedded knowledge base.</summary>
    public static PhenotypeCalculator Default => LazyDefault.Value;

    public PgxKnowledgeBase KnowledgeBase { get; } = knowledgeBase ?? throw new ArgumentNullException(nameof(knowledgeBase));

    /// <summary>
    /// The phenotype for one gene and value ("CYP2D6", "*1/*4"). Invalid input throws <see cref="ArgumentException"/>
    /// with the same message <see cref="Genotype.Parse(IReadOnlyDictionary{string,string}?, PgxKnowledgeBase)"/> reports.
    /// </summary>
    public GenePhenotype Phenotype(string gene, string value)
    {
        var parsed = Genotype.Parse(new Dictionary<string, string> { [gene] = value }, KnowledgeBase);
        if (!parsed.IsValid) throw new ArgumentException(parsed.Errors[0].Message, nameof(value));
        return Phenotype(parsed.Genotype!.Results[0]);
    }

    /// <summary>Phenotypes of every gene of a genotype, ordered by gene.</summary>
    public IReadOnlyList<GenePhenotype> Phenotypes(Genotype genotype) => genotype.Results.Select(Phenotype).ToList();

    public GenePhenotype Phenotype(GeneResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var gene = KnowledgeBase.Gene(result.Gene);
        return gene.Kind switch
        {
            GeneKind.Carrier => Carrier(gene, result),
            GeneKind.FunctionPair => FunctionPair(gene, result.Diplotype!),
            GeneKind.ActivityScore => ActivityScore(gene, result.Diplotype!),
            _ => throw new InvalidOperationException($"unknown gene kind {gene.Kind}"),
        };
    }

    /// <summary>
    /// The CPIC phenotype of an activity score. A lower-bound score ("≥") is classified only when every score
    /// at or above it falls in the same band (ultrarapid); otherwise the phenotype is indeterminate.
    /// </summary>
    public static MetabolizerPhenotype Classify(GeneDefinition gene, decimal activityScore, bool isLowerBound)
    {
        ArgumentNullException.ThrowIfNull(gene);
        var band = gene.PhenotypeBands.FirstOrDefault(b => b.ActivityScore.Contains(activityScore));
        if (band is null) return MetabolizerPhenotype.Indeterminate;
        if (isLowerBound && band.ActivityScore.Max is not null) return MetabolizerPhenotype.Indeterminate;
        return band.Phenotype;
    }

    private static GenePhenotype Carrier(GeneDefinition gene, GeneResult result)
    {
        var phenotype = result.IsCarrier == true ? MetabolizerPhenotype.Positive : MetabolizerPhenotype.Negative;
        return new GenePhenotype(gene.Name, result.Value, phenotype, null, false, []);
    }

    private static GenePhenotype FunctionPair(GeneDefinition gene, Diplotype diplotype)
    {
        var calls = diplotype.Haplotypes.Select(h => Call(gene, h)).ToList();
        var phenotype = calls.Any(c => gene.IndeterminateFunctions.Contains(c.Function))
            ? MetabolizerPhenotype.Indeterminate
            : gene.FunctionPairRules.FirstOrDefault(r => r.Matches(calls[0].Function, calls[1].Function))?.Phenotype
              ?? MetabolizerPhenotype.Indeterminate;
        return new GenePhenotype(gene.Name, diplotype.Text, phenotype, null, false, calls);
    }

    private static GenePhenotype ActivityScore(GeneDefinition gene, Diplotype diplotype)
    {
        var calls = diplotype.Haplotypes.Select(h => Call(gene, h)).ToList();
        if (calls.Any(c => c.ActivityValue is null))
            return new GenePhenotype(gene.Name, diplotype.Text, MetabolizerPhenotype.Indeterminate, null, false, calls);

        var score = calls.Sum(c => c.ActivityValue!.Value);
        // "x≥3" of an allele with activity is a lower bound; of a no-function allele it is still exactly 0.
        var lowerBound = diplotype.Haplotypes.Zip(calls).Any(p => p.First.CopiesAtLeast && p.Second.ActivityValue > 0);
        return new GenePhenotype(gene.Name, diplotype.Text, Classify(gene, score, lowerBound), score, lowerBound, calls);
    }

    /// <summary>
    /// A haplotype's function: the allele's, or for a duplication the activity value times the copy number
    /// (CPIC: *1x2 = 2.0 increased, *17x2 = 1.0 normal, *41x3 = 0.75 decreased, *4x2 = 0 no function).
    /// </summary>
    private static AlleleFunctionCall Call(GeneDefinition gene, AlleleCall haplotype)
    {
        if (!gene.TryGetAllele(haplotype.Allele, out var allele))
            throw new ArgumentException($"allele {haplotype.Allele} is not in the CPIC {gene.Name} allele table", nameof(haplotype));
        if (haplotype.Copies == 1 || allele.ActivityValue is not { } value)
            return new AlleleFunctionCall(haplotype.Text, allele.Function, allele.ActivityValue);
        var total = value * haplotype.Copies;
        var function = total switch
        {
            0 => AlleleFunction.NoFunction,
            < 1 => AlleleFunction.DecreasedFunction,
            1 => AlleleFunction.NormalFunction,
            _ => AlleleFunction.IncreasedFunction,
        };
        return new AlleleFunctionCall(haplotype.Text, function, total);
    }
}
