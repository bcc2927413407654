namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>Clinical function of a star allele, as CPIC's allele functionality tables assign it.</summary>
public enum AlleleFunction
{
    NormalFunction,
    DecreasedFunction,
    NoFunction,
    IncreasedFunction,
    UncertainFunction,
    UnknownFunction,
}

/// <summary>
/// A gene result translated to CPIC's phenotype vocabulary. For the HLA risk alleles CPIC's "phenotype"
/// is carrier status, so <see cref="Positive"/> and <see cref="Negative"/> live here too.
/// </summary>
public enum MetabolizerPhenotype
{
    UltrarapidMetabolizer,
    RapidMetabolizer,
    NormalMetabolizer,
    LikelyIntermediateMetabolizer,
    IntermediateMetabolizer,
    LikelyPoorMetabolizer,
    PoorMetabolizer,
    Indeterminate,
    Positive,
    Negative,
}

/// <summary>CPIC's strength of a recommendation.</summary>
public enum RecommendationStrength
{
    Strong,
    Moderate,
    Optional,
    NoRecommendation,
}

public enum InhibitorStrength
{
    Strong,
    Moderate,
}

/// <summary>The exact terms CPIC uses, so data files and answers read like the guidelines.</summary>
public static class CpicTerms
{
    private static readonly (AlleleFunction Value, string Term)[] Functions =
    [
        (AlleleFunction.NormalFunction, "Normal function"),
        (AlleleFunction.DecreasedFunction, "Decreased function"),
        (AlleleFunction.NoFunction, "No function"),
        (AlleleFunction.IncreasedFunction, "Increased function"),
        (AlleleFunction.UncertainFunction, "Uncertain function"),
        (AlleleFunction.UnknownFunction, "Unknown function"),
    ];

    private static readonly (MetabolizerPhenotype Value, string Term)[] Phenotypes =
    [
        (MetabolizerPhenotype.UltrarapidMetabolizer, "Ultrarapid Metabolizer"),
        (MetabolizerPhenotype.RapidMetabolizer, "Rapid Metabolizer"),
        (MetabolizerPhenotype.NormalMetabolizer, "Normal Metabolizer"),
        (MetabolizerPhenotype.LikelyIntermediateMetabolizer, "Likely Intermediate Metabolizer"),
        (MetabolizerPhenotype.IntermediateMetabolizer, "Intermediate Metabolizer"),
        (MetabolizerPhenotype.LikelyPoorMetabolizer, "Likely Poor Metabolizer"),
        (MetabolizerPhenotype.PoorMetabolizer, "Poor Metabolizer"),
        (MetabolizerPhenotype.Indeterminate, "Indeterminate"),
        (MetabolizerPhenotype.Positive, "Positive"),
        (MetabolizerPhenotype.Negative, "Negative"),
    ];

    private static readonly (RecommendationStrength Value, string Term)[] Strengths =
    [
        (RecommendationStrength.Strong, "Strong"),
        (RecommendationStrength.Moderate, "Moderate"),
        (RecommendationStrength.Optional, "Optional"),
        (RecommendationStrength.NoRecommendation, "No recommendation"),
    ];

    public static string ToCpicTerm(this AlleleFunction function) => Term(Functions, function);
    public static string ToCpicTerm(this MetabolizerPhenotype phenotype) => Term(Phenotypes, phenotype);
    public static string ToCpicTerm(this RecommendationStrength strength) => Term(Strengths, strength);

    public static bool TryParseAlleleFunction(string? term, out AlleleFunction function) => TryParse(Functions, term, out function);
    public static bool TryParsePhenotype(string? term, out MetabolizerPhenotype phenotype) => TryParse(Phenotypes, term, out phenotype);
    public static bool TryParseStrength(string? term, out RecommendationStrength strength) => TryParse(Strengths, term, out strength);

    /// <summary>Uncertain and unknown function alleles make a phenotype indeterminate (CPIC).</summary>
    public static bool IsDeterminate(this AlleleFunction function) =>
        function is not (AlleleFunction.UncertainFunction or AlleleFunction.UnknownFunction);

    private static string Term<T>((T Value, string Term)[] table, T value) where T : struct, Enum
    {
        foreach (var (v, term) in table)
            if (EqualityComparer<T>.Default.Equals(v, value)) return term;
        throw new ArgumentOutOfRangeException(nameof(value), value, "no CPIC term");
    }

    private static bool TryParse<T>((T Value, string Term)[] table, string? term, out T value) where T : struct, Enum
    {
        foreach (var (v, t) in table)
        {
            if (string.Equals(t, term, StringComparison.OrdinalIgnoreCase)) { value = v; return true; }
        }
        value = default;
        return false;
    }
}
