using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

public class MedicationRankingTests
{
    private static RankingCandidate Candidate(string drug, GuidelineCategory category, double? efficacy = null, bool modelRanks = false) =>
        new(drug, category, null, $"action for {drug}", "Strong", "CYP2C19 Normal Metabolizer", category == GuidelineCategory.NoGuidance ? null : $"g/r{drug.Length:000}",
            efficacy is { } p ? new EfficacyEstimate(p, modelRanks, $"model estimate {p:0.00}") : null, []);

    private static string[] Order(IReadOnlyList<RankingCandidate> candidates, MedicationPlan? plan = null) =>
        [.. MedicationRanking.Rank(candidates, plan ?? MedicationPlan.Empty).Select(r => r.Candidate.Drug)];

    [Fact]
    public void CategoriesDecideFirst_AvoidLast_WhateverTheModelSays()
    {
        var candidates = new[]
        {
            Candidate("a-avoid", GuidelineCategory.Avoid, 0.99, modelRanks: true),
            Candidate("b-noguidance", GuidelineCategory.NoGuidance, 0.9, modelRanks: true),
            Candidate("c-alternative", GuidelineCategory.Alternative, 0.8, modelRanks: true),
            Candidate("d-adjust", GuidelineCategory.Adjust, 0.7, modelRanks: true),
            Candidate("e-standard", GuidelineCategory.Standard, 0.1, modelRanks: true),
        };
        Assert.Equal(["e-standard", "d-adjust", "c-alternative", "b-noguidance", "a-avoid"], Order(candidates));
        Assert.Equal(["e-standard", "d-adjust", "c-alternative", "b-noguidance", "a-avoid"], Order([.. candidates.Reverse()]));
    }

    [Fact]
    public void InsideACategory_HistoryComesBeforeTheModel()
    {
        var plan = new MedicationPlan([], [
            new PastTreatment("x-responded", 50, new(2024, 1, 1), new(2024, 6, 1), TreatmentResponse.Remission, []),
            new PastTreatment("y-failed", 50, new(2024, 7, 1), new(2024, 9, 1), TreatmentResponse.None, []),
        ]);
        var candidates = new[]
        {
            Candidate("y-failed", GuidelineCategory.Standard, 0.95, modelRanks: true),
            Candidate("z-new", GuidelineCategory.Standard, 0.9, modelRanks: true),
            Candidate("x-responded", GuidelineCategory.Standard, 0.2, modelRanks: true),
            Candidate("w-responded-but-avoid", GuidelineCategory.Avoid, 0.99, modelRanks: true),
        };
        var ranked = MedicationRanking.Rank(candidates, plan with { History = [.. plan.History, new PastTreatment("w-responded-but-avoid", 5, new(2023, 1, 1), new(2023, 3, 1), TreatmentResponse.Response, [])] });
        Assert.Equal(["x-responded", "z-new", "y-failed", "w-responded-but-avoid"], ranked.Select(r => r.Candidate.Drug));
        Assert.Contains(ranked[0].Reasons, r => r.StartsWith("ranked up: remission on x-responded (2024-01-01 to 2024-06-01)", StringComparison.Ordinal));
        Assert.Contains(ranked[2].Reasons, r => r.StartsWith("ranked down: no response to y-failed", StringComparison.Ordinal));
        Assert.StartsWith("ranked last (category avoid): CPIC says", ranked[3].Reasons[0]);
    }

    [Fact]
    public void AModelThatDoesNotBeatItsBaseline_NeverOrdersCandidates()
    {
        var candidates = new[]
        {
            Candidate("b", GuidelineCategory.Adjust, 0.9, modelRanks: false),
            Candidate("c", GuidelineCategory.Adjust, 0.1, modelRanks: false),
            Candidate("a", GuidelineCategory.Adjust, 0.5, modelRanks: false),
        };
        Assert.Equal(["a", "b", "c"], Order(candidates)); // by name: the estimates are shown, not used
        var ranked = MedicationRanking.Rank(candidates, MedicationPlan.Empty);
        Assert.All(ranked, r => Assert.Contains(r.Reasons, x => x.StartsWith("model estimate", StringComparison.Ordinal)));
    }

    [Fact]
    public void AModelThatBeatsItsBaseline_BreaksTiesOnly()
    {
        var candidates = new[]
        {
            Candidate("a", GuidelineCategory.Adjust, 0.2, modelRanks: true),
            Candidate("b", GuidelineCategory.Adjust, 0.9, modelRanks: true),
            Candidate("c", GuidelineCategory.Adjust),                       // no estimate: after those with one
            Candidate("d", GuidelineCategory.Standard, 0.1, modelRanks: true),
        };
        Assert.Equal(["d", "b", "a", "c"], Order(candidates));
    }

    [Fact]
    public void Reasons_NameTheCategoryRowAndWhy()
    {
        var candidate = new RankingCandidate("carbamazepine", GuidelineCategory.Avoid, null, "do not use", "Strong",
            "HLA-B*15:02 Positive; HLA-A*31:01 not genotyped", "cpic-hla-carbamazepine-2017/r005", null, ["a note"]);
        var reasons = MedicationRanking.Rank([candidate], MedicationPlan.Empty)[0].Reasons;
        Assert.Equal("ranked last (category avoid): CPIC says 'do not use' for carbamazepine with HLA-B*15:02 Positive; HLA-A*31:01 not genotyped [Strong; row cpic-hla-carbamazepine-2017/r005]", reasons[0]);
        Assert.Equal("a note", reasons[1]);
    }

    public static TheoryData<string, HistorySignal, string?> HistoryCases() => new()
    {
        { "", HistorySignal.Neutral, null },
        { "response", HistorySignal.Favourable, "ranked up: response on d" },
        { "remission", HistorySignal.Favourable, "ranked up: remission on d" },
        { "partial", HistorySignal.Neutral, "partial response to d" },
        { "none", HistorySignal.Unfavourable, "ranked down: no response to d" },
        { "remission:rash", HistorySignal.Unfavourable, "ranked down: serious side effect (rash) on d" },
        { "remission:hyponatremia", HistorySignal.Unfavourable, "ranked down: serious side effect (hyponatremia) on d" },
        { "remission:qt_prolongation", HistorySignal.Unfavourable, "ranked down: serious side effect (qt_prolongation) on d" },
        { "remission:nausea", HistorySignal.Favourable, "ranked up: remission on d" },            // not serious
        { "none,response", HistorySignal.Favourable, "ranked up: response on d" },             // the latest course decides
        { "response,none", HistorySignal.Unfavourable, "ranked down: no response to d" },
        { "none:rash,remission", HistorySignal.Unfavourable, "ranked down: serious side effect (rash) on d" }, // serious effects are never outweighed
    };

    [Theory]
    [MemberData(nameof(HistoryCases))]
    public void HistoryRules(string courses, HistorySignal signal, string? reasonStart)
    {
        var history = courses.Split(',', StringSplitOptions.RemoveEmptyEntries).Select((c, i) =>
        {
            var parts = c.Split(':');
            return new PastTreatment("d", 20, new DateOnly(2020 + i, 1, 1), new DateOnly(2020 + i, 5, 1),
                Enum.Parse<TreatmentResponse>(parts[0], ignoreCase: true), [.. parts.Skip(1)]);
        }).ToList();
        var evidence = HistoryEvidence.For("d", new MedicationPlan([], history));
        Assert.Equal(signal, evidence.Signal);
        if (reasonStart is null) Assert.Null(evidence.Reason);
        else Assert.StartsWith(reasonStart, evidence.Reason);
    }

    [Fact]
    public void CurrentlyTaken_IsNeutral_AndSaysSo()
    {
        var evidence = HistoryEvidence.For("d", new MedicationPlan([new CurrentMedication("d", 10, new(2026, 1, 5))], []));
        Assert.Equal(HistorySignal.Neutral, evidence.Signal);
        Assert.Equal("currently taking d since 2026-01-05 (no finished course to judge)", evidence.Reason);
    }

    /// <summary>The case end to end in the domain: HLA-B*15:02 carrier, CYP2C19 *17/*17.</summary>
    [Fact]
    public void HlaBCarrierWithUltrarapidCyp2c19_RanksTheContraindicatedDrugsLast()
    {
        var genotype = GuidelineCategoryTests.G("HLA-B*15:02=positive;CYP2C19=*17/*17");
        var candidates = new[] { "carbamazepine", "sertraline", "escitalopram", "citalopram", "oxcarbazepine", "fluoxetine" }.Select(d =>
        {
            var r = RecommendationEngine.Default.Recommend(d, genotype);
            return new RankingCandidate(d, r.Category, r.CategoryReason, r.Action, r.StrengthTerm, r.MetabolizerStatus, r.RuleId, null, []);
        }).ToList();
        var ranked = MedicationRanking.Rank(candidates, MedicationPlan.Empty);
        Assert.Equal(
            [("sertraline", GuidelineCategory.Standard), ("citalopram", GuidelineCategory.Alternative), ("escitalopram", GuidelineCategory.Alternative),
             ("fluoxetine", GuidelineCategory.NoGuidance), ("carbamazepine", GuidelineCategory.Avoid), ("oxcarbazepine", GuidelineCategory.Avoid)],
            ranked.Select(r => (r.Candidate.Drug, r.Candidate.Category)));
    }
}
