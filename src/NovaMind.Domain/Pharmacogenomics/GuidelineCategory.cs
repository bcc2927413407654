namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>
/// What a guideline row means for choosing a drug, stored with every recommendation row of the knowledge base
/// (reviewed once from CPIC's recommendation and classification; never derived from the wording at run time).
/// Declared in ranking order: a lower value ranks first.
/// </summary>
public enum GuidelineCategory
{
    /// <summary>Use as labelled.</summary>
    Standard,
    /// <summary>Dose change, titration or monitoring.</summary>
    Adjust,
    /// <summary>Consider an alternative drug; may be used with care.</summary>
    Alternative,
    /// <summary>No actionable CPIC recommendation: "no recommendation" rows, indeterminate phenotypes, no genotype, or no CPIC guideline for the drug.</summary>
    NoGuidance,
    /// <summary>Do not use / avoid / contraindicated.</summary>
    Avoid,
}

public static class GuidelineCategories
{
    private static readonly (GuidelineCategory Value, string Name, string Meaning)[] Table =
    [
        (GuidelineCategory.Standard, "standard", "use as labelled"),
        (GuidelineCategory.Adjust, "adjust", "dose change, titration or monitoring"),
        (GuidelineCategory.Alternative, "alternative", "consider an alternative drug; may be used with care"),
        (GuidelineCategory.NoGuidance, "no_guidance", "no actionable CPIC recommendation"),
        (GuidelineCategory.Avoid, "avoid", "do not use"),
    ];

    /// <summary>Every category in ranking order.</summary>
    public static IReadOnlyList<GuidelineCategory> All { get; } = [.. Table.Select(t => t.Value)];

    /// <summary>The wire and data-file name: standard, adjust, alternative, no_guidance, avoid.</summary>
    public static string ToName(this GuidelineCategory category) => Find(category).Name;

    /// <summary>A short plain-language meaning, for reasons and the review document.</summary>
    public static string Meaning(this GuidelineCategory category) => Find(category).Meaning;

    public static bool TryParse(string? name, out GuidelineCategory category)
    {
        foreach (var t in Table)
        {
            if (string.Equals(t.Name, name, StringComparison.Ordinal)) { category = t.Value; return true; }
        }
        category = default;
        return false;
    }

    private static (GuidelineCategory Value, string Name, string Meaning) Find(GuidelineCategory category)
    {
        foreach (var t in Table)
            if (t.Value == category) return t;
        throw new ArgumentOutOfRangeException(nameof(category), category, "not a guideline category");
    }
}
