using System.Globalization;

namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>Where a knowledge-base entry comes from: the table or text it reflects, the guideline, and its version.</summary>
public sealed record KnowledgeSource(string Id, string Title, string Guideline, string Published, string Version, string Url);

/// <summary>A closed, half-open or open interval of activity scores.</summary>
public sealed record ActivityScoreRange(decimal? Min, bool MinExclusive, decimal? Max, bool MaxExclusive)
{
    public bool Contains(decimal score) =>
        (Min is not { } min || (MinExclusive ? score > min : score >= min)) &&
        (Max is not { } max || (MaxExclusive ? score < max : score <= max));

    public override string ToString()
    {
        static string F(decimal d) => d.ToString("0.###", CultureInfo.InvariantCulture);
        var lower = Min is { } min ? (MinExclusive ? "(" : "[") + F(min) : "(-inf";
        var upper = Max is { } max ? F(max) + (MaxExclusive ? ")" : "]") : "inf)";
        return $"{lower}, {upper}";
    }
}

public enum GeneKind
{
    /// <summary>Phenotype from the sum of allele activity values (CYP2D6).</summary>
    ActivityScore,
    /// <summary>Phenotype from the pair of allele functions (CYP2C19, CYP2B6).</summary>
    FunctionPair,
    /// <summary>Phenotype is carrier status of one risk allele (HLA-B*15:02, HLA-A*31:01).</summary>
    Carrier,
}

public sealed record AlleleDefinition(string Gene, string Name, AlleleFunction Function, decimal? ActivityValue, KnowledgeSource Source);

public sealed record PhenotypeBand(MetabolizerPhenotype Phenotype, ActivityScoreRange ActivityScore, KnowledgeSource Source);

public sealed record FunctionPairRule(AlleleFunction First, AlleleFunction Second, MetabolizerPhenotype Phenotype, KnowledgeSource Source)
{
    public bool Matches(AlleleFunction a, AlleleFunction b) => (First == a && Second == b) || (First == b && Second == a);
}

public sealed record CarrierResult(string Value, MetabolizerPhenotype Phenotype, KnowledgeSource Source);

/// <summary>One gene (or HLA risk allele) the knowledge base can interpret.</summary>
public sealed class GeneDefinition
{
    internal GeneDefinition(
        string name, GeneKind kind, bool allowsCopyNumber, KnowledgeSource source,
        IReadOnlyList<AlleleDefinition> alleles, IReadOnlyList<PhenotypeBand> bands,
        IReadOnlyList<FunctionPairRule> pairRules, IReadOnlyList<CarrierResult> carrierResults,
        IReadOnlyList<AlleleFunction> indeterminateFunctions)
    {
        IndeterminateFunctions = indeterminateFunctions;
        Name = name;
        Kind = kind;
        AllowsCopyNumber = allowsCopyNumber;
        Source = source;
        Alleles = alleles;
        PhenotypeBands = bands;
        FunctionPairRules = pairRules;
        CarrierResults = carrierResults;
        _byName = alleles.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    private readonly Dictionary<string, AlleleDefinition> _byName;

    public string Name { get; }
    public GeneKind Kind { get; }
    /// <summary>Whether a diplotype may carry a copy-number suffix such as *1x2 (CYP2D6 only).</summary>
    public bool AllowsCopyNumber { get; }
    public KnowledgeSource Source { get; }
    public IReadOnlyList<AlleleDefinition> Alleles { get; }
    public IReadOnlyList<PhenotypeBand> PhenotypeBands { get; }
    public IReadOnlyList<FunctionPairRule> FunctionPairRules { get; }
    public IReadOnlyList<CarrierResult> CarrierResults { get; }
    /// <summary>For a function-pair gene: allele functions that make the phenotype indeterminate (CPIC: uncertain, unknown).</summary>
    public IReadOnlyList<AlleleFunction> IndeterminateFunctions { get; }

    public bool TryGetAllele(string name, out AlleleDefinition allele) => _byName.TryGetValue(name, out allele!);

    public override string ToString() => Name;
}

/// <summary>A drug with a CPIC recommendation table in the knowledge base.</summary>
public sealed record GuidelineDrug(
    string Name, IReadOnlyList<string> Genes, KnowledgeSource Guideline, string DefaultPopulation, IReadOnlyList<string> Populations);

/// <summary>What a recommendation rule requires of one gene: not genotyped, or one of some phenotypes (optionally within an activity-score range).</summary>
public sealed record GeneCondition(bool NoResult, IReadOnlyList<MetabolizerPhenotype> Phenotypes, ActivityScoreRange? ActivityScore)
{
    public bool Matches(GeneticFactor factor)
    {
        if (!factor.Genotyped || factor.Phenotype is not { } phenotype) return NoResult;
        if (NoResult || !Phenotypes.Contains(phenotype)) return false;
        if (ActivityScore is null) return true;
        return factor.ActivityScore is { } score && !factor.ActivityScoreIsLowerBound && ActivityScore.Contains(score);
    }
}

/// <summary>One row of a CPIC recommendation table: for these drugs and this population, when every gene condition holds.</summary>
/// <param name="Id">Where the row stands: the guideline's source id and its 1-based row number in that guideline's file ("cpic-tca-2016/r017").</param>
/// <param name="Category">The row's guideline category, as stored in the knowledge base.</param>
/// <param name="CategoryReason">Why the category was chosen where the row mixes actions (the most restrictive relevant one decides); null when the action is plain.</param>
public sealed record RecommendationRule(
    string Id,
    IReadOnlyList<string> Drugs,
    string Population,
    IReadOnlyDictionary<string, GeneCondition> When,
    string Action,
    RecommendationStrength Strength,
    GuidelineCategory Category,
    string? CategoryReason,
    string Text,
    KnowledgeSource Source)
{
    public string TextFor(string drug) => Text.Replace("{drug}", drug, StringComparison.Ordinal);
    public string ActionFor(string drug) => Action.Replace("{drug}", drug, StringComparison.Ordinal);
}

/// <summary>A drug the knowledge base knows that has no CPIC recommendation table (e.g. fluoxetine, mirtazapine): it can be a candidate, with no guidance.</summary>
public sealed record DrugWithoutGuideline(string Name, string DrugClass, KnowledgeSource Source);

/// <summary>A co-medication that inhibits a gene's enzyme and so lowers its activity score (phenoconversion).</summary>
/// <param name="Source">Where the drug's inhibitor strength comes from.</param>
/// <param name="FactorSource">Where the activity-score factor for that strength comes from.</param>
public sealed record EnzymeInhibitor(
    string Drug, string Gene, InhibitorStrength Strength, decimal ActivityScoreFactor, KnowledgeSource Source, KnowledgeSource FactorSource);
