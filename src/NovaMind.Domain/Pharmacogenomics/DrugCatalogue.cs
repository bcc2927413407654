namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>A drug the knowledge base knows: with a CPIC recommendation table, as an enzyme inhibitor, as a drug without a guideline, or several.</summary>
/// <param name="MetabolicPathwayGenes">The genes its CPIC guideline uses (empty for drugs without one).</param>
/// <param name="WithoutGuideline">Its entry among the drugs known to have no CPIC recommendation table, if listed there.</param>
public sealed record CatalogueDrug(
    string Name,
    IReadOnlyList<string> MetabolicPathwayGenes,
    GuidelineDrug? Guideline,
    IReadOnlyList<EnzymeInhibitor> Inhibits,
    DrugWithoutGuideline? WithoutGuideline = null)
{
    public bool HasRecommendation => Guideline is not null;
}

public sealed record MedicationValidation(IReadOnlyList<string> Medications, IReadOnlyList<string> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// The drug names the system understands (lowercase generic names). <see cref="SupportedDrugs"/> have a CPIC
/// recommendation table; every name in <see cref="KnownMedications"/> (adding CYP2D6 inhibitors and drugs known to have
/// no CPIC guideline) may be a medication, a prediction or a ranking candidate, the others with no guidance.
/// </summary>
public sealed class DrugCatalogue
{
    /// <summary>A medications list longer than this is refused outright.</summary>
    public const int MaxMedications = 100;

    private readonly Dictionary<string, CatalogueDrug> _byName;

    internal DrugCatalogue(IReadOnlyList<GuidelineDrug> guidelineDrugs, IReadOnlyList<EnzymeInhibitor> inhibitors, IReadOnlyList<DrugWithoutGuideline> withoutGuideline)
    {
        var names = guidelineDrugs.Select(d => d.Name).Concat(inhibitors.Select(i => i.Drug)).Concat(withoutGuideline.Select(d => d.Name))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        All = names.Select(n =>
        {
            var guideline = guidelineDrugs.FirstOrDefault(d => d.Name == n);
            return new CatalogueDrug(n, guideline?.Genes ?? [], guideline, inhibitors.Where(i => i.Drug == n).ToList(), withoutGuideline.FirstOrDefault(d => d.Name == n));
        }).ToList();
        _byName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);
        SupportedDrugs = All.Where(d => d.HasRecommendation).Select(d => d.Name).ToList();
        KnownMedications = All.Select(d => d.Name).ToList();
    }

    /// <summary>Every known drug, ordered by name.</summary>
    public IReadOnlyList<CatalogueDrug> All { get; }

    /// <summary>Drugs with a CPIC recommendation table, ordered by name.</summary>
    public IReadOnlyList<string> SupportedDrugs { get; }

    /// <summary>Every name accepted in a medications list, ordered by name.</summary>
    public IReadOnlyList<string> KnownMedications { get; }

    /// <summary>The catalogue's spelling of a drug name: trimmed, lowercase.</summary>
    public static string Normalize(string name) => name.Trim().ToLowerInvariant();

    /// <summary>Whether the drug has a CPIC recommendation table.</summary>
    public bool IsSupported(string? name) => TryGet(name, out var d) && d.HasRecommendation;

    /// <summary>Whether the drug is known at all (with or without a guideline).</summary>
    public bool IsKnown(string? name) => TryGet(name, out _);

    public bool TryGet(string? name, out CatalogueDrug drug)
    {
        if (name is not null && _byName.TryGetValue(Normalize(name), out var found)) { drug = found; return true; }
        drug = null!;
        return false;
    }

    /// <summary>Checks a medications list: every entry must be a known drug; duplicates are dropped. Errors name the value.</summary>
    public MedicationValidation ValidateMedications(IReadOnlyList<string?>? medications)
    {
        if (medications is null || medications.Count == 0) return new([], []);
        if (medications.Count > MaxMedications)
            return new([], [$"a medications list may name at most {MaxMedications} drugs; this one has {medications.Count}"]);
        var accepted = new List<string>();
        var errors = new List<string>();
        foreach (var (m, i) in medications.Select((m, i) => (m, i)))
        {
            if (string.IsNullOrWhiteSpace(m)) { errors.Add($"medication {i} is empty"); continue; }
            if (!TryGet(m, out var drug))
            {
                var shown = m.Length <= 40 ? m : m[..40] + "…";
                errors.Add($"unknown medication '{shown}'; known medications: {string.Join(", ", KnownMedications)}");
                continue;
            }
            if (!accepted.Contains(drug.Name)) accepted.Add(drug.Name);
        }
        return errors.Count > 0 ? new([], errors) : new(accepted, []);
    }
}
