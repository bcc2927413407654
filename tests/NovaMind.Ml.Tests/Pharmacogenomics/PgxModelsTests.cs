using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Domain.Pharmacogenomics.Simulation;
using NovaMind.Ml.Pharmacogenomics;

namespace NovaMind.Ml.Tests.Pharmacogenomics;

/// <summary>Trains a tiny bundle once (a few seconds) and writes its artifact folder.</summary>
public sealed class TinyPgxModels : IDisposable
{
    public TinyPgxModels()
    {
        Result = new PgxTrainer(PgxTrainingOptions.Tiny("test-tiny")).Train();
        ModelsRoot = Path.Combine(Path.GetTempPath(), "novamind-pgx-" + Guid.NewGuid().ToString("N"));
        Root = Path.Combine(ModelsRoot, "pgx");
        Directory = Path.Combine(Root, "test-tiny");
        PgxArtifacts.Write(Directory, Result);
    }

    public PgxTrainingResult Result { get; }
    public PgxModels Models => Result.Models;
    /// <summary>A models root of its own (its promotion log included); <see cref="Root"/> is its pgx folder.</summary>
    public string ModelsRoot { get; }
    public string Root { get; }
    public string Directory { get; }

    public void Dispose()
    {
        Result.Dispose();
        try { System.IO.Directory.Delete(ModelsRoot, recursive: true); } catch (IOException) { }
    }
}

public class PgxModelsTests(TinyPgxModels tiny) : IClassFixture<TinyPgxModels>
{
    /// <summary>Inputs from simulated patients the model never saw: histories of 0..5 treatments, some without genotype.</summary>
    private static List<TreatmentResponseInput> Inputs(int count = 40)
    {
        var patients = new TreatmentOutcomeSimulator(99).Simulate(count);
        var drugs = PgxKnowledgeBase.Default.Drugs.SupportedDrugs;
        return patients.Select((p, i) => new TreatmentResponseInput(
            drugs[i % drugs.Count], SimulatedDrugProfiles.Get(drugs[i % drugs.Count]).Doses[i % 2], i % 5 == 0 ? null : p.ReportedGenotype,
            p.CoMedications, p.Treatments.Take(i % 6).Select(t => t.ToPastTreatment()).ToList())).ToList();
    }

    [Fact]
    public void QuickModel_BeatsTheBaseRateBrier_OnHeldOutPatients()
    {
        var m = tiny.Models.Metadata.Metrics;
        Assert.True(m.TestExamples > 100);
        Assert.True(m.EfficacyBrier < m.EfficacyBrierBaseRate, $"Brier {m.EfficacyBrier} vs base rate {m.EfficacyBrierBaseRate}");
        Assert.True(m.EfficacyAuc > 0.55, $"AUC {m.EfficacyAuc}");
        Assert.True(m.EfficacyBrierOracle < m.EfficacyBrier); // the simulator's truth is the ceiling
        Assert.Equal(5, tiny.Result.Report.Efficacy.Count);
        Assert.Equal(MedicationPlanValidator.KnownSideEffects.Count, tiny.Result.Report.SideEffects.Count);
        Assert.NotEmpty(tiny.Result.Report.PlantedEffects);
    }

    [Fact]
    public void BatchPredictions_EqualOneByOnePredictions()
    {
        var inputs = Inputs();
        var batch = tiny.Models.Predict(inputs);
        Assert.Equal(inputs.Count, batch.Length);
        for (var i = 0; i < inputs.Count; i++)
        {
            var single = tiny.Models.Predict(inputs[i]);
            // Equal up to float rounding: a batch pads histories to its longest, which changes kernel shapes, not values.
            Close(single.Efficacy, batch[i].Efficacy, 1e-5);
            Close(single.Confidence, batch[i].Confidence, 1e-4);
            Close(single.Percentile, batch[i].Percentile, 1e-2);
            foreach (var (effect, p) in single.SideEffects) Close(p, batch[i].SideEffects[effect], 1e-5);
        }
    }

    [Fact]
    public void Outputs_AreProbabilities_ForEveryKnownSideEffect()
    {
        foreach (var output in tiny.Models.Predict(Inputs()))
        {
            Assert.InRange(output.Efficacy, 0, 1);
            Assert.InRange(output.Confidence, 0, 1);
            Assert.InRange(output.Percentile, 0, 100);
            Assert.Equal(MedicationPlanValidator.KnownSideEffects.Order(StringComparer.Ordinal), output.SideEffects.Keys.Order(StringComparer.Ordinal));
            Assert.All(output.SideEffects.Values, p => Assert.InRange(p, 0, 1));
            Assert.Equal(1 - Entropy(output.Efficacy) / Math.Log(2), output.Confidence, 9);
        }
    }

    [Fact]
    public void SaveAndLoad_RoundTrip_GivesIdenticalOutputs()
    {
        var inputs = Inputs();
        var before = tiny.Models.Predict(inputs);
        using var loaded = PgxModels.Load(tiny.Directory);
        var after = loaded.Predict(inputs);
        Assert.Equal(tiny.Models.Version, loaded.Version);
        for (var i = 0; i < inputs.Count; i++)
        {
            Close(before[i].Efficacy, after[i].Efficacy, 1e-9);
            Close(before[i].Percentile, after[i].Percentile, 1e-9);
            foreach (var (effect, p) in before[i].SideEffects) Close(p, after[i].SideEffects[effect], 1e-9);
        }
        Close(tiny.Models.ScoreInteraction("citalopram", "CYP2C19"), loaded.ScoreInteraction("citalopram", "CYP2C19"), 1e-9);
        Assert.Equal(tiny.Models.InteractionScores().Select(s => s.Score), loaded.InteractionScores().Select(s => s.Score));

        Assert.Throws<FileNotFoundException>(() => PgxModels.LoadCurrent(tiny.Root));
        ModelPromotions.Promote(tiny.ModelsRoot, "pgx", "test-tiny", "pgx model tests", "load what CURRENT names");
        using var current = PgxModels.LoadCurrent(tiny.Root);
        Assert.Equal("test-tiny", current.Version);
    }

    [Fact]
    public void Artifacts_HaveModelCardReportsAndFigure_AndAreSmall()
    {
        foreach (var file in new[] { PgxModels.MetadataFile, PgxModels.ResponseWeightsFile, PgxModels.GraphWeightsFile, PgxArtifacts.ModelCardFile,
                     PgxArtifacts.ReportFile, PgxArtifacts.ReportJsonFile, PgxArtifacts.ReliabilitySvgFile })
            Assert.True(File.Exists(Path.Combine(tiny.Directory, file)), $"{file} is missing");
        var size = new DirectoryInfo(tiny.Directory).GetFiles().Sum(f => f.Length);
        Assert.True(size < 5_000_000, $"{size} bytes");
        Assert.Contains("model estimate", File.ReadAllText(Path.Combine(tiny.Directory, PgxArtifacts.ModelCardFile)), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Held-out AUC", File.ReadAllText(Path.Combine(tiny.Directory, PgxArtifacts.ReportFile)), StringComparison.Ordinal);
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(tiny.Directory, PgxArtifacts.ReliabilitySvgFile)), StringComparison.Ordinal);
        Assert.Contains("model estimate", tiny.Models.Metadata.EstimateLabel, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_AreWithin0To100_AndNeverDecreaseWithTheScore()
    {
        foreach (var drug in tiny.Models.Drugs)
        {
            var previous = -1.0;
            for (var k = 0; k <= 200; k++)
            {
                var p = tiny.Models.Percentile(drug, k / 200.0);
                Assert.InRange(p, 0, 100);
                Assert.True(p >= previous, $"{drug}: percentile fell from {previous} to {p} at score {k / 200.0}");
                previous = p;
            }
            var quantiles = tiny.Models.Metadata.Response.ReferenceQuantiles[drug];
            Assert.Equal(101, quantiles.Count);
            Assert.Equal(0, tiny.Models.Percentile(drug, quantiles[0] - 1e-6));
            Assert.Equal(100, tiny.Models.Percentile(drug, quantiles[100] + 1e-6));
            Assert.InRange(tiny.Models.Percentile(drug, quantiles[50]), 40, 60);
        }
        Assert.Throws<UnknownDrugException>(() => tiny.Models.Percentile("aspirin", 0.5));
    }

    [Fact]
    public void PatientWithoutGenotypeOrHistory_StillGetsAnEstimate()
    {
        var bare = tiny.Models.Predict(new TreatmentResponseInput("Sertraline", 50, null, [], []));
        Assert.InRange(bare.Efficacy, 0.01, 0.99);
        Assert.Equal(15, bare.SideEffects.Count);

        // A history drug outside the vocabulary is "other drug"; a CYP2D6 inhibitor is a co-medication.
        var other = tiny.Models.Predict(new TreatmentResponseInput("paroxetine", 20, null, ["fluoxetine"],
            [new PastTreatment("fluoxetine", 20, new DateOnly(2025, 1, 1), new DateOnly(2025, 3, 1), TreatmentResponse.None, ["nausea"])]));
        Assert.InRange(other.Efficacy, 0, 1);

        Assert.Throws<UnknownDrugException>(() => tiny.Models.Predict(new TreatmentResponseInput("aspirin", 100, null, [], [])));
        Assert.Throws<ArgumentOutOfRangeException>(() => tiny.Models.Predict(new TreatmentResponseInput("sertraline", 0, null, [], [])));
    }

    [Fact]
    public void Genotype_ChangesTheEstimate_ThroughPhenotypesAndPhenoconversion()
    {
        var poor = Genotype.Parse(new Dictionary<string, string> { ["CYP2D6"] = "*4/*4", ["CYP2C19"] = "*1/*1" }).Genotype!;
        var normal = Genotype.Parse(new Dictionary<string, string> { ["CYP2D6"] = "*1/*1", ["CYP2C19"] = "*1/*1" }).Genotype!;
        var outputs = tiny.Models.Predict([
            new TreatmentResponseInput("atomoxetine", 80, poor, [], []),
            new TreatmentResponseInput("atomoxetine", 80, normal, [], []),
            new TreatmentResponseInput("atomoxetine", 80, normal, ["fluoxetine"], []),
        ]);
        Assert.NotEqual(outputs[0].Efficacy, outputs[1].Efficacy);
        // Fluoxetine phenoconverts *1/*1 to a poor metabolizer: the same features as *4/*4 except the genotype-only activity score.
        Assert.NotEqual(outputs[1].Efficacy, outputs[2].Efficacy);
    }

    [Fact]
    public void GraphModel_ScoresKnownInteractionsAboveNonInteractions()
    {
        var scores = tiny.Models.InteractionScores();
        Assert.Equal(tiny.Models.Graph.Drugs.Count * tiny.Models.Graph.Genes.Count, scores.Count);
        Assert.All(scores, s => Assert.InRange(s.Score, 0, 1));
        var known = scores.Where(s => s.InKnowledgeBase).Average(s => s.Score);
        var unknown = scores.Where(s => !s.InKnowledgeBase).Average(s => s.Score);
        Assert.True(known > unknown + 0.3, $"known {known:F3}, others {unknown:F3}");
        Assert.True(tiny.Models.ScoreInteraction("Citalopram", "cyp2c19") > tiny.Models.ScoreInteraction("citalopram", "HLA-B*15:02"));
        Assert.Throws<KeyNotFoundException>(() => tiny.Models.ScoreInteraction("aspirin", "CYP2D6"));
        Assert.Throws<KeyNotFoundException>(() => tiny.Models.ScoreInteraction("citalopram", "CYP3A4"));

        // Held-out edges: reported honestly; at this size and seed the held-out true edges still beat random non-edges.
        var graph = tiny.Result.Report.Graph;
        Assert.Equal(graph.Interactions, graph.HeldOutPositives);
        Assert.True(graph.PooledHeldOutAuc > 0.5, $"held-out AUC {graph.PooledHeldOutAuc}");
    }

    [Fact]
    public void KnowledgeGraph_IsBuiltFromTheKnowledgeBase()
    {
        var kb = PgxKnowledgeBase.Default;
        var graph = GeneDrugGraph.FromKnowledgeBase(kb);
        // Drugs known only as "no CPIC guideline" (mirtazapine, ...) have unknown, not absent, interactions: not in the graph.
        Assert.Equal(kb.Drugs.All.Count(d => d.HasRecommendation || d.Inhibits.Count > 0), graph.Drugs.Count);
        Assert.False(graph.TryGetNode(GraphNodeKind.Drug, "mirtazapine", out _));
        Assert.Equal(kb.Genes.Count, graph.Genes.Count);
        Assert.True(graph.TryGetNode(GraphNodeKind.Drug, "sertraline", out var sertraline));
        Assert.True(graph.TryGetNode(GraphNodeKind.Gene, "CYP2B6", out var cyp2b6));
        Assert.Contains((sertraline, cyp2b6), graph.Interactions);
        Assert.True(graph.TryGetNode(GraphNodeKind.Drug, "fluoxetine", out var fluoxetine));
        Assert.True(graph.TryGetNode(GraphNodeKind.Gene, "CYP2D6", out var cyp2d6));
        Assert.Contains(graph.Edges, e => e.Source == fluoxetine && e.Target == cyp2d6 && e.Relation == GraphRelation.Inhibits);
        var expected = kb.GuidelineDrugs.Sum(d => d.Genes.Count) + kb.Inhibitors.Count(i => !kb.GuidelineDrugs.Any(d => d.Name == i.Drug && d.Genes.Contains(i.Gene)));
        Assert.Equal(expected, graph.Interactions.Count);
    }

    /// <summary>
    /// Holding out sertraline–CYP2B6 must also hide every path that reveals it: sertraline's guideline membership, and the
    /// SSRI guideline's CYP2B6 edge, which only sertraline supports. The guideline's CYP2C19 edge stays (citalopram supports it).
    /// </summary>
    [Fact]
    public void HeldOutRelations_HideEveryPathThatRevealsThem()
    {
        var graph = GeneDrugGraph.FromKnowledgeBase(PgxKnowledgeBase.Default);
        Assert.True(graph.TryGetNode(GraphNodeKind.Drug, "sertraline", out var sertraline));
        Assert.True(graph.TryGetNode(GraphNodeKind.Gene, "CYP2B6", out var cyp2b6));
        Assert.True(graph.TryGetNode(GraphNodeKind.Gene, "CYP2C19", out var cyp2c19));
        Assert.True(graph.TryGetNode(GraphNodeKind.Guideline, "cpic-ssri-snri-2023", out var ssri));
        Assert.Contains(graph.Edges, e => (e.Source, e.Target, e.Relation) == (ssri, cyp2b6, GraphRelation.GuidelineCovers)); // the leak before

        var edges = graph.EdgesWithout(new HashSet<(int, int)> { (sertraline, cyp2b6) }, new HashSet<int> { sertraline });
        Assert.DoesNotContain(edges, e => e.Source == sertraline && e.Target == cyp2b6);
        Assert.DoesNotContain(edges, e => e.Source == sertraline && e.Relation == GraphRelation.CoveredBy);
        Assert.DoesNotContain(edges, e => (e.Source, e.Target) == (ssri, cyp2b6));
        Assert.Contains(edges, e => (e.Source, e.Target, e.Relation) == (ssri, cyp2c19, GraphRelation.GuidelineCovers));
        Assert.Contains(edges, e => (e.Source, e.Target, e.Relation) == (sertraline, cyp2c19, GraphRelation.GuidelineGene)); // its other relation stays

        // No path of drug and guideline nodes links sertraline to CYP2B6 any more (pathway/role nodes link every gene alike).
        var reached = new HashSet<int> { sertraline };
        var frontier = new Queue<int>([sertraline]);
        var viaKinds = new[] { GraphNodeKind.Drug, GraphNodeKind.Guideline };
        while (frontier.TryDequeue(out var node))
        {
            foreach (var e in edges.Where(e => e.Source == node || e.Target == node))
            {
                var other = e.Source == node ? e.Target : e.Source;
                if (other == cyp2b6) Assert.Fail($"CYP2B6 is still reachable from sertraline via {graph.Nodes[node].Name} ({e.Relation})");
                if (viaKinds.Contains(graph.Nodes[other].Kind) && reached.Add(other)) frontier.Enqueue(other);
            }
        }
    }

    [Fact]
    public void Report_ComparesBothModelsWithTheirBaselines_WithIntervals()
    {
        var report = tiny.Result.Report;
        var boot = report.EfficacyBootstrap!;
        Assert.Equal(["Brier", "log-loss", "AUC"], boot.Select(b => b.Metric));
        Assert.All(boot, b =>
        {
            Assert.True(b.Lower95 <= b.Upper95);
            Assert.InRange(b.Improvement, b.Lower95 - 0.02, b.Upper95 + 0.02);
        });
        Assert.Equal(-(boot[0].Model - boot[0].Baseline), boot[0].Improvement, 4);
        var metrics = tiny.Models.Metadata.Metrics;
        Assert.Equal([boot[0].Lower95, boot[0].Upper95], metrics.EfficacyBrierImprovementCi95);
        Assert.NotNull(metrics.GraphBaselineAuc);
        Assert.Equal(PgxTrainer.GraphEvaluationMethod, metrics.GraphEvaluation);
        Assert.Equal(metrics.GraphAucImprovementCi95![0] > 0, metrics.InteractionSkill().BeatsBaseline);
        Assert.Contains("baseline", metrics.ResponseSkill().Summary);
    }

    [Theory]
    [InlineData(0.0003, 0.0018, true)]
    [InlineData(-0.0004, 0.0018, false)]
    [InlineData(0.0, 0.01, false)]
    public void ASkillBeatsItsBaseline_OnlyWhenTheWholeIntervalIsAboveZero(double lower, double upper, bool beats)
    {
        var skill = ModelSkill.From("Brier", 0.2295, 0.2306, "logistic", [lower, upper], null);
        Assert.Equal(beats, skill.BeatsBaseline);
        Assert.Contains(beats ? "beats its baseline" : "does not beat its baseline", skill.Summary);
        var unmeasured = ModelSkill.From("AUC", 0.9, null, "none", null, null);
        Assert.False(unmeasured.BeatsBaseline);
        Assert.Contains("no confidence interval was measured", unmeasured.Summary);
    }

    [Fact]
    public void Training_IsDeterministic_ForASeed()
    {
        using var again = new PgxTrainer(PgxTrainingOptions.Tiny("test-tiny")).Train();
        var inputs = Inputs(10);
        var a = tiny.Models.Predict(inputs);
        var b = again.Models.Predict(inputs);
        for (var i = 0; i < inputs.Count; i++) Close(a[i].Efficacy, b[i].Efficacy, 1e-6);
        Assert.Equal(tiny.Models.Metadata.Metrics.GraphHeldOutAuc, again.Models.Metadata.Metrics.GraphHeldOutAuc);
    }

    [Fact]
    public void ProbabilityMetrics_MatchHandWorkedValues()
    {
        bool[] y = [true, false, true, false];
        Assert.Equal(0.75, ProbabilityMetrics.Auc([0.9, 0.8, 0.3, 0.1], y), 9);
        Assert.Equal((0.01 + 0.64 + 0.49 + 0.01) / 4, ProbabilityMetrics.Brier([0.9, 0.8, 0.3, 0.1], y), 9);
        Assert.Equal(1.0, ProbabilityMetrics.Confidence(1e-15), 6);
        Assert.Equal(0.0, ProbabilityMetrics.Confidence(0.5), 9);
        // Logits that are twice too confident are scaled back by T ≈ 2.
        var rng = new Random(3);
        var truth = Enumerable.Range(0, 20_000).Select(_ => (rng.NextDouble() - 0.5) * 6).ToList();
        var labels = truth.Select(z => rng.NextDouble() < ProbabilityMetrics.Sigmoid(z)).ToList();
        Assert.InRange(ProbabilityMetrics.FitTemperature(truth.Select(z => 2 * z).ToList(), labels), 1.8, 2.2);
    }

    private static void Close(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected:R}, got {actual:R} (tolerance {tolerance})");

    private static double Entropy(double p) => -(p * Math.Log(p) + (1 - p) * Math.Log(1 - p));
}
