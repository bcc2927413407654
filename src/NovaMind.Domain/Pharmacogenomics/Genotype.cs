namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>What is wrong with one gene of a genotype input: the gene, the value given, and why.</summary>
public sealed record GenotypeError(string Gene, string? Value, string Message);

/// <summary>A patient's result for one gene: a diplotype, or carrier status for an HLA risk allele.</summary>
public sealed record GeneResult(string Gene, Diplotype? Diplotype, bool? IsCarrier)
{
    /// <summary>The result as CPIC writes it: "*1/*4", "*1/*1x2", "positive", "negative".</summary>
    public string Value => Diplotype?.Text ?? (IsCarrier == true ? "positive" : "negative");

    public override string ToString() => $"{Gene} {Value}";
}

public sealed record GenotypeParseResult(Genotype? Genotype, IReadOnlyList<GenotypeError> Errors)
{
    public bool IsValid => Genotype is not null && Errors.Count == 0;
}

/// <summary>
/// A validated pharmacogenomic genotype: gene → diplotype, e.g. {"CYP2D6":"*1/*4","HLA-B*15:02":"negative"}.
/// Only genes and alleles the knowledge base defines are accepted; alleles of uncertain function are accepted
/// (their phenotype is Indeterminate).
/// </summary>
public sealed class Genotype
{
    /// <summary>Reports at most this many errors so a huge bad input does not produce a huge answer.</summary>
    public const int MaxReportedErrors = 20;

    private const int MaxEchoedLength = 40;

    private readonly Dictionary<string, GeneResult> _genes;

    private Genotype(PgxKnowledgeBase knowledgeBase, IEnumerable<GeneResult> genes)
    {
        KnowledgeBaseVersion = knowledgeBase.Version;
        _genes = genes.ToDictionary(g => g.Gene, StringComparer.Ordinal);
        Results = _genes.Values.OrderBy(g => g.Gene, StringComparer.Ordinal).ToList();
    }

    /// <summary>The knowledge-base version the alleles were checked against.</summary>
    public string KnowledgeBaseVersion { get; }

    /// <summary>One result per genotyped gene, ordered by gene name; genes are named as the knowledge base names them.</summary>
    public IReadOnlyList<GeneResult> Results { get; }

    public bool Has(string gene) => _genes.ContainsKey(gene);

    public bool TryGet(string gene, out GeneResult result) => _genes.TryGetValue(gene, out result!);

    /// <summary>The canonical form to store or echo: gene → "*1/*4" / "positive".</summary>
    public IReadOnlyDictionary<string, string> ToDictionary() => Results.ToDictionary(r => r.Gene, r => r.Value, StringComparer.Ordinal);

    /// <summary>Parses against the embedded knowledge base.</summary>
    public static GenotypeParseResult Parse(IReadOnlyDictionary<string, string>? input) => Parse(input, PgxKnowledgeBase.Default);

    /// <summary>
    /// Parses gene → value. Gene names are matched ignoring case; every problem is reported with the gene and value
    /// (all or nothing: any error means no genotype).
    /// </summary>
    public static GenotypeParseResult Parse(IReadOnlyDictionary<string, string>? input, PgxKnowledgeBase knowledgeBase)
    {
        ArgumentNullException.ThrowIfNull(knowledgeBase);
        if (input is null || input.Count == 0)
            return new(null, [new GenotypeError("genotype", null, $"genotype must name at least one gene ({string.Join(", ", knowledgeBase.GeneNames)})")]);

        var errors = new List<GenotypeError>();
        var results = new Dictionary<string, GeneResult>(StringComparer.Ordinal);
        foreach (var (rawGene, rawValue) in input.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var error = ParseOne(knowledgeBase, rawGene, rawValue, results, out var result);
            if (error is not null)
            {
                if (errors.Count < MaxReportedErrors) errors.Add(error);
                continue;
            }
            results.Add(result!.Gene, result);
        }
        return errors.Count > 0 ? new(null, errors) : new(new Genotype(knowledgeBase, results.Values), []);
    }

    private static GenotypeError? ParseOne(
        PgxKnowledgeBase kb, string rawGene, string? rawValue, Dictionary<string, GeneResult> parsed, out GeneResult? result)
    {
        result = null;
        var shownGene = Echo(rawGene ?? "");
        if (!kb.TryGetGene(rawGene, out var gene))
            return new(shownGene, Echo(rawValue), $"unknown gene '{shownGene}'; expected one of {string.Join(", ", kb.GeneNames)}");
        if (parsed.ContainsKey(gene.Name))
            return new(gene.Name, Echo(rawValue), $"{gene.Name} is given more than once");
        if (string.IsNullOrWhiteSpace(rawValue))
            return new(gene.Name, rawValue, $"{gene.Name} needs a value");

        var value = rawValue.Trim();
        var shown = Echo(value);
        if (gene.Kind == GeneKind.Carrier)
        {
            var carrier = gene.CarrierResults.FirstOrDefault(r => string.Equals(r.Value, value, StringComparison.OrdinalIgnoreCase));
            if (carrier is null)
                return new(gene.Name, shown, $"{gene.Name} value '{shown}' is not {string.Join(" or ", gene.CarrierResults.Select(r => r.Value))}");
            result = new GeneResult(gene.Name, null, carrier.Phenotype == MetabolizerPhenotype.Positive);
            return null;
        }

        var diplotype = DiplotypeParser.TryParse(value, gene.AllowsCopyNumber, out var formatError);
        if (diplotype is null)
            return new(gene.Name, shown, $"{gene.Name} value '{shown}' {formatError}");
        foreach (var haplotype in diplotype.Haplotypes)
        {
            if (!gene.TryGetAllele(haplotype.Allele, out _))
                return new(gene.Name, shown, $"{gene.Name} value '{shown}': allele {haplotype.Allele} is not in the CPIC {gene.Name} allele table");
        }
        result = new GeneResult(gene.Name, diplotype, null);
        return null;
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(s))]
    private static string? Echo(string? s) => s is null || s.Length <= MaxEchoedLength ? s : s[..MaxEchoedLength] + "…";
}
