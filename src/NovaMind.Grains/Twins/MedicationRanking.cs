using NovaMind.Contracts;

namespace NovaMind.Grains.Twins;

/// <summary>
/// Orders candidate drugs: first by what the guideline says (standard use before dose adjustment before
/// "avoid/select an alternative"), then by the model's estimated efficacy, then fewer expected side effects.
/// </summary>
public static class MedicationRanking
{
    public static RankedMedicationDto[] Rank(IReadOnlyList<MedicationPredictionDto> predictions) =>
        [.. predictions
            .Select(p => (Prediction: p, Category: Category(p.Recommendation)))
            .OrderBy(x => x.Category.Order)
            .ThenByDescending(x => x.Prediction.Efficacy?.Score ?? 0)
            .ThenBy(x => x.Prediction.SideEffects.Sum(s => s.Probability))
            .Select((x, i) => new RankedMedicationDto(i + 1, x.Prediction.Medication, x.Category.Name, Reasons(x.Prediction, x.Category.Name), x.Prediction))];

    /// <summary>The guideline action reduced to three categories (by the wording CPIC uses).</summary>
    public static (int Order, string Name) Category(GuidelineRecommendationDto r)
    {
        var text = (r.Action + " " + r.Text).ToLowerInvariant();
        if (text.Contains("avoid") || text.Contains("alternative") || text.Contains("not recommended")) return (2, "avoid");
        if (text.Contains("reduc") || text.Contains("lower") || text.Contains("decrease") || text.Contains("increase") || text.Contains("titrat") || text.Contains("adjust"))
            return (1, "adjust_dose");
        return (0, "standard");
    }

    private static string[] Reasons(MedicationPredictionDto p, string category)
    {
        var reasons = new List<string> { $"guideline ({p.Recommendation.Guideline}): {p.Recommendation.Action} [{p.Recommendation.Strength}]" };
        reasons.AddRange(p.GeneticFactors.Where(f => f.Phenotype is not null).Select(f => f.Effect));
        if (p.GenotypeMissing) reasons.Add("no genotype on record: standard dosing guidance");
        if (p.Efficacy is { } e) reasons.Add($"model estimate: response probability {e.Score:0.00} (percentile {e.Percentile:0})");
        var top = p.SideEffects.OrderByDescending(s => s.Probability).FirstOrDefault();
        if (top is not null) reasons.Add($"model estimate: most likely side effect {top.Name} ({top.Probability:0.00})");
        if (category == "avoid") reasons.Add("ranked last: the guideline advises against it for this patient");
        return [.. reasons];
    }
}
