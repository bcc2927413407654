using System.Text;

namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>
/// Renders docs/pgx-categories.md: every recommendation row of the knowledge base with its action, strength and guideline
/// category, one line per (row, drug), so a pharmacist can review all categories in one read. A test fails when the
/// committed document differs from this rendering; <c>./novamind docs pgx-categories</c> rewrites it.
/// </summary>
public static class CategoryReviewDocument
{
    public const string RelativePath = "docs/pgx-categories.md";

    public static string Render(PgxKnowledgeBase kb)
    {
        ArgumentNullException.ThrowIfNull(kb);
        var sb = new StringBuilder();
        sb.Append("# Guideline categories of every recommendation row\n\n");
        sb.Append($"Knowledge base {kb.Version} (CPIC data as of {kb.CpicDataAsOf}). Generated from the knowledge base by ");
        sb.Append("`./novamind docs pgx-categories`; a test fails when this file is out of date. Do not edit it by hand: change the ");
        sb.Append("`category` (and `categoryReason`) of the row in `src/NovaMind.Domain/Pharmacogenomics/Data/guideline-*.json`.\n\n");
        sb.Append("Medication ranking orders candidates by these categories first (standard, adjust, alternative, no guidance, avoid last). ");
        sb.Append("Each category is stored with its row, assigned once from CPIC's recommendation and classification; where a row mixes ");
        sb.Append("actions the most restrictive clinically relevant one decides and the row says why.\n\n");
        sb.Append("| category | meaning | rows | (row, drug) lines |\n|---|---|---|---|\n");
        foreach (var c in GuidelineCategories.All)
        {
            var rows = kb.Rules.Where(r => r.Category == c).ToList();
            sb.Append($"| `{c.ToName()}` | {c.Meaning()} | {rows.Count} | {rows.Sum(r => r.Drugs.Count)} |\n");
        }
        sb.Append($"\nAlso `no_guidance`, without a row: a patient with none of the drug's genes genotyped, a stored genotype that needs review, and the drugs without a CPIC recommendation table: ");
        sb.Append(string.Join(", ", kb.DrugsWithoutGuideline.Select(d => d.Name)));
        sb.Append(" (and the CYP2D6 inhibitors that are not guideline drugs: ");
        sb.Append(string.Join(", ", kb.Inhibitors.Select(i => i.Drug).Where(d => !kb.TryGetGuidelineDrug(d, out _) && kb.DrugsWithoutGuideline.All(o => o.Name != d))));
        sb.Append(").\n");

        foreach (var guideline in kb.GuidelineDrugs.Select(d => d.Guideline).DistinctBy(g => g.Id))
        {
            sb.Append($"\n## {guideline.Title}\n\n{guideline.Guideline}; source: {guideline.Url}\n\n");
            sb.Append("| row | drug | population | phenotype / genotype | action | strength | category | why this category |\n");
            sb.Append("|---|---|---|---|---|---|---|---|\n");
            var rows = kb.Rules.Where(r => r.Id.StartsWith(guideline.Id + "/", StringComparison.Ordinal));
            foreach (var rule in rows)
            {
                foreach (var drug in rule.Drugs)
                {
                    sb.Append($"| {rule.Id} | {drug} | {rule.Population} | {Conditions(rule)} | {Cell(rule.ActionFor(drug))} | {rule.Strength.ToCpicTerm()} | ");
                    sb.Append($"`{rule.Category.ToName()}` | {Cell(rule.CategoryReason ?? "")} |\n");
                }
            }
        }
        return sb.ToString();
    }

    private static string Conditions(RecommendationRule rule) =>
        string.Join("; ", rule.When.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w =>
        {
            var c = w.Value;
            if (c.NoResult) return $"{w.Key} not tested";
            var phenotypes = string.Join(" or ", c.Phenotypes.Select(p => p.ToCpicTerm()));
            return c.ActivityScore is null ? $"{w.Key} {phenotypes}" : $"{w.Key} {phenotypes}, activity score {c.ActivityScore}";
        }));

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
