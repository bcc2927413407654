namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>Whether a stored genotype can be used with the knowledge base now loaded.</summary>
public enum GenotypeStatus
{
    /// <summary>No genotype on record.</summary>
    Missing,
    /// <summary>Parses with the current knowledge base.</summary>
    Ok,
    /// <summary>Stored, but no longer parses with the current knowledge base: a person must review it; nothing genotype-based is given.</summary>
    NeedsReview,
}

/// <summary>A gene whose phenotype differs between the knowledge base the genotype was validated against and the current one.</summary>
public sealed record PhenotypeChange(string Gene, string Value, string Before, string After, string FromVersion, string ToVersion)
{
    public override string ToString() =>
        $"{Gene} {Value}: {Before} with knowledge base {FromVersion}, {After} with {ToVersion}";
}

/// <summary>The outcome of checking a stored genotype against a knowledge base.</summary>
/// <param name="Phenotypes">Gene → CPIC phenotype term under the current knowledge base (empty unless <see cref="GenotypeStatus.Ok"/>).</param>
/// <param name="Reason">Why the genotype needs review (null otherwise).</param>
public sealed record GenotypeCheck(
    GenotypeStatus Status,
    Genotype? Genotype,
    IReadOnlyDictionary<string, string> Phenotypes,
    IReadOnlyList<PhenotypeChange> Changes,
    string? Reason)
{
    public string StatusName => Status switch
    {
        GenotypeStatus.Missing => "missing",
        GenotypeStatus.Ok => "ok",
        _ => "needs_review",
    };
}

/// <summary>
/// Re-validates a stored genotype (gene → value, as stored after validation) against a knowledge base: a value that no
/// longer parses makes the genotype need review (never "no genotype"); a phenotype that differs from the one recorded
/// at validation is reported as a change.
/// </summary>
public static class GenotypeRevalidation
{
    /// <param name="stored">The stored gene → value map; null when none is on record.</param>
    /// <param name="validatedAgainst">The knowledge-base version the stored values were validated against (null if unknown).</param>
    /// <param name="phenotypesAtValidation">Gene → phenotype term recorded then (null if unknown: no change can be reported).</param>
    public static GenotypeCheck Check(
        IReadOnlyDictionary<string, string>? stored, string? validatedAgainst, IReadOnlyDictionary<string, string>? phenotypesAtValidation,
        PgxKnowledgeBase knowledgeBase)
    {
        ArgumentNullException.ThrowIfNull(knowledgeBase);
        var empty = new Dictionary<string, string>(StringComparer.Ordinal);
        if (stored is null) return new(GenotypeStatus.Missing, null, empty, [], null);
        var parsed = Genotype.Parse(stored, knowledgeBase);
        if (!parsed.IsValid)
        {
            var from = validatedAgainst is null ? "" : $" (validated against {validatedAgainst})";
            var problems = string.Join("; ", parsed.Errors.Select(e => e.Message));
            return new(GenotypeStatus.NeedsReview, null, empty, [],
                $"the stored genotype{from} does not parse with knowledge base {knowledgeBase.Version}: {problems}. Review and re-enter it; until then no genotype-based recommendation is given.");
        }
        var calculator = new PhenotypeCalculator(knowledgeBase);
        var phenotypes = parsed.Genotype!.Results.ToDictionary(r => r.Gene, r => calculator.Phenotype(r).PhenotypeTerm, StringComparer.Ordinal);
        var changes = new List<PhenotypeChange>();
        if (phenotypesAtValidation is not null && validatedAgainst is not null)
        {
            foreach (var result in parsed.Genotype.Results)
            {
                if (phenotypesAtValidation.TryGetValue(result.Gene, out var before) && before != phenotypes[result.Gene])
                    changes.Add(new PhenotypeChange(result.Gene, result.Value, before, phenotypes[result.Gene], validatedAgainst, knowledgeBase.Version));
            }
        }
        return new(GenotypeStatus.Ok, parsed.Genotype, phenotypes, changes, null);
    }
}
