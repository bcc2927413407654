using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NovaMind.Ml.Pharmacogenomics;

/// <summary>
/// Writes a trained bundle as a versioned artifact folder: metadata.json, response.bin, graph.bin (the models),
/// MODEL_CARD.md, report.md, report.json and the reliability diagram (reliability.svg, drawn here; reliability.png when
/// the caller passes a PNG renderer — the CLI does, with ScottPlot, so this library needs no plotting package).
/// </summary>
public static class PgxArtifacts
{
    public const string ModelCardFile = "MODEL_CARD.md";
    public const string ReportFile = "report.md";
    public const string ReportJsonFile = "report.json";
    public const string ReliabilitySvgFile = "reliability.svg";
    public const string ReliabilityPngFile = "reliability.png";

    public static void Write(string directory, PgxTrainingResult result, Func<ReliabilityDiagram, byte[]>? renderPng = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        result.Models.Save(directory);
        File.WriteAllText(Path.Combine(directory, ReportJsonFile), JsonSerializer.Serialize(result.Report, PgxModelMetadata.Json));
        File.WriteAllText(Path.Combine(directory, ReliabilitySvgFile), ReliabilitySvg(result.Report.Reliability));
        var png = renderPng?.Invoke(result.Report.Reliability);
        if (png is not null) File.WriteAllBytes(Path.Combine(directory, ReliabilityPngFile), png);
        File.WriteAllText(Path.Combine(directory, ReportFile), Report(result.Report, png is not null ? ReliabilityPngFile : ReliabilitySvgFile));
        File.WriteAllText(Path.Combine(directory, ModelCardFile), ModelCard(result.Models.Metadata, result.Report));
    }


    private static string F(double x, string format = "F4") => double.IsNaN(x) ? "–" : x.ToString(format, CultureInfo.InvariantCulture);

    private static string I(FormattableString s) => FormattableString.Invariant(s);

    public static string Report(PgxReport r, string figure)
    {
        var sb = new StringBuilder();
        void L(string line = "") => sb.AppendLine(line);
        var d = r.Data;
        L(I($"# Pharmacogenomic models {r.Version}: evaluation report"));
        L();
        L($"All numbers are **model estimates on synthetic data** ({TreatmentResponseOutput.EstimateLabel}). Prescribing guidance comes only from the");
        L("knowledge base (CPIC guidelines, `RecommendationEngine`), never from these models.");
        L();
        L("## Data");
        L();
        L(I($"`TreatmentOutcomeSimulator` (docs/pgx-outcome-simulator.md), seed {r.Options.Seed}: {d.Patients} patients split by patient 70/15/15 into train ({d.TrainPatients}), validation ({d.ValidationPatients}) and test ({d.TestPatients})."));
        L(I($"Each treatment is one example, its earlier treatments the history: {d.TrainExamples} / {d.ValidationExamples} / {d.TestExamples} examples."));
        L(I($"Response rate {F(d.ResponseRate, "P1")}, genotyped patients {F(d.GenotypedShare, "P1")}, {F(d.MeanSideEffectsPerTreatment, "F2")} side effects per treatment on average. Percentile reference: {d.ReferencePatients} further simulated patients."));
        L();
        L("## Response (efficacy) on held-out test patients");
        L();
        L("| model | Brier | log-loss | AUC | ECE (10 bins) |");
        L("|---|---|---|---|---|");
        foreach (var s in r.Efficacy) L($"| {s.Model} | {F(s.Brier)} | {F(s.LogLoss)} | {F(s.Auc, "F3")} | {F(s.Ece)} |");
        L();
        L("The oracle row uses the simulator's true probabilities: the best any model could do, given the hidden adherence,");
        L("patient traits and outcome noise. The logistic baseline is one linear layer on hand-crafted features (drug one-hot,");
        L("dose, phenotype one-hots, activity score, inhibitor, history counts, last response, side effects ever reported); it has");
        L("no drug × phenotype interactions, which is what the transformer can learn.");
        L();
        if (r.EfficacyBootstrap is { Count: > 0 } boot)
        {
            L(I($"**Transformer against the logistic baseline**, paired bootstrap over the {boot[0].Units} test patients ({boot[0].Resamples} resamples; a patient's treatments move together):"));
            L();
            L("| metric | transformer | baseline | improvement | 95 % interval | beats the baseline? |");
            L("|---|---|---|---|---|---|");
            foreach (var b in boot)
                L(I($"| {b.Metric} | {F(b.Model)} | {F(b.Baseline)} | {F(b.Improvement, "F5")} | {F(b.Lower95, "F5")} to {F(b.Upper95, "F5")} | {(b.Lower95 > 0 ? "yes" : "no: the interval includes zero")} |"));
            L();
            L("Improvement is baseline − model for Brier and log-loss, model − baseline for AUC. The serving rule: a model's estimates may break");
            L("ties inside a guideline category only if the Brier interval lies above zero; otherwise the API shows them, labelled, and never ranks by them.");
            L();
        }
        L("| subgroup | examples | response rate | Brier (transformer) | Brier (baseline) | AUC (transformer) | AUC (baseline) |");
        L("|---|---|---|---|---|---|---|");
        foreach (var s in r.EfficacyBySubgroup)
            L(I($"| {s.Subgroup} | {s.Examples} | {F(s.ResponseRate, "P1")} | {F(s.Brier)} | {F(s.BrierBaseline)} | {F(s.Auc, "F3")} | {F(s.AucBaseline, "F3")} |"));
        L();
        L("### Planted effects: does the model recover the simulator's pharmacogenomics?");
        L();
        L("Fresh simulated patients with the full genotype panel and no co-medication, each asked about the same drug at its reference dose");
        L("with their own history. Differences between genotype groups (A − B) in the simulator's true probabilities and in each model's estimate:");
        L();
        L("| effect (A − B) | n A | n B | simulator | transformer | logistic baseline |");
        L("|---|---|---|---|---|---|");
        foreach (var e in r.PlantedEffects) L(I($"| {e.Effect} | {e.GroupA} | {e.GroupB} | {F(e.Simulator, "+0.000;-0.000")} | {F(e.Transformer, "+0.000;-0.000")} | {F(e.Baseline, "+0.000;-0.000")} |"));
        L();
        L("The baseline has no drug × genotype terms, so it can only spread a gene's average effect over all drugs (rows marked");
        L("\"no planted effect\" show what that costs).");
        L();
        L("### Reliability (calibration)");
        L();
        L($"![reliability diagram]({figure})");
        L();
        L("| predicted | n (transformer) | mean predicted | observed | n (baseline) | mean predicted | observed |");
        L("|---|---|---|---|---|---|---|");
        for (var b = 0; b < r.Reliability.Transformer.Count; b++)
        {
            var t = r.Reliability.Transformer[b];
            var l = r.Reliability.Baseline[b];
            L(I($"| {F(t.Lower, "F1")}–{F(t.Upper, "F1")} | {t.Count} | {F(t.MeanPredicted, "F3")} | {F(t.Observed, "F3")} | {l.Count} | {F(l.MeanPredicted, "F3")} | {F(l.Observed, "F3")} |"));
        }
        L();
        L(I($"Calibration: temperature scaling fitted on the validation split (efficacy T = {F(r.Training.EfficacyTemperature, "F3")}; one T per side effect below)."));
        L();
        L("## Side effects on held-out test patients");
        L();
        L("| side effect | prevalence | Brier | Brier (baseline) | Brier (base rate) | Brier (oracle) | AUC | AUC (baseline) | T |");
        L("|---|---|---|---|---|---|---|---|---|");
        foreach (var s in r.SideEffects)
            L($"| {s.SideEffect} | {F(s.Prevalence, "P1")} | {F(s.Brier)} | {F(s.BrierBaseline)} | {F(s.BrierBaseRate)} | {F(s.BrierOracle)} | {F(s.Auc, "F3")} | {F(s.AucBaseline, "F3")} | {F(s.Temperature, "F2")} |");
        L();
        var g = r.Graph;
        L("## Gene–drug interaction graph");
        L();
        L(I($"Knowledge graph from the knowledge base: {g.Nodes} nodes (drugs, genes, guidelines, pathways, gene roles), {g.Edges} edges, {g.Interactions} drug–gene interactions"));
        L(I($"(guideline genes and CYP2D6 inhibition) among {g.CandidatePairs} drug × gene pairs. Validation: {g.Folds}-fold cross-validation: {g.Evaluation}."));
        L("Held-out pairs are never sampled as negatives.");
        L();
        L(I($"**Held-out AUC {F(g.PooledHeldOutAuc, "F3")}** (pooled over folds: {g.HeldOutPositives} interactions vs {g.HeldOutNegatives} non-interactions; per fold {string.Join(", ", g.FoldAucs.Select(a => F(a, "F3")))})."));
        if (g.BaselineAuc is { } baselineAuc && g.AucImprovementCi95 is { Count: 2 } ci)
        {
            L(I($"**Gene-frequency baseline** (score = how many training drugs interact with the gene), same hold-out: AUC {F(baselineAuc, "F3")} (per fold {string.Join(", ", (g.BaselineFoldAucs ?? []).Select(a => F(a, "F3")))})."));
            var verdict = ci[0] > 0 ? "the model beats the baseline." : "**the model does not beat the gene-frequency baseline by a clear margin**; its scores are shown as estimates only.";
            L(I($"Model − baseline AUC: {F(g.PooledHeldOutAuc - baselineAuc, "+0.000;-0.000")}, 95 % bootstrap interval over held-out pairs {F(ci[0], "F3")} to {F(ci[1], "F3")}: {verdict}"));
        }
        L(I($"Training-graph AUC of the final model (all edges seen): {F(g.TrainingAuc, "F3")}. The graph is small, so the held-out figure has a wide"));
        L("margin of error; inhibitor-only drugs have a single edge, and once it is held out nothing links them to a gene.");
        L();
        L("| held-out interaction | relation | fold | score | share of the fold's non-edges scored lower |");
        L("|---|---|---|---|---|");
        foreach (var h in g.HeldOut) L(I($"| {h.Drug} – {h.Gene} | {h.Relation} | {h.Fold} | {F(h.Score, "F3")} | {F(h.FractionOfNegativesBelow, "P0")} |"));
        L();
        L("Highest-scoring pairs that the knowledge base does **not** list (model estimates, hypotheses at most — not evidence):");
        L();
        L("| drug | gene | score |");
        L("|---|---|---|");
        foreach (var s in g.TopUnlisted) L($"| {s.Drug} | {s.Gene} | {F(s.Score, "F3")} |");
        L();
        var t2 = r.Training;
        L("## Training");
        L();
        L(I($"Transformer: {t2.Epochs} epochs (early stopping on validation loss, patience {r.Options.Patience}), best validation loss {F(t2.BestValidationLoss)};"));
        L(I($"validation loss by epoch: {string.Join(", ", t2.ValidationLossByEpoch.Select(x => F(x)))}. Logistic baseline: {t2.BaselineEpochs} full-batch epochs."));
        L(I($"Time (s): transformer {F(t2.ResponseSeconds, "F1")}, baseline {F(t2.BaselineSeconds, "F1")}, reference percentiles {F(t2.ReferenceSeconds, "F1")}, graph {F(t2.GraphSeconds, "F1")}, total {F(t2.TotalSeconds, "F1")}."));
        return sb.ToString();
    }

    public static string ModelCard(PgxModelMetadata m, PgxReport r)
    {
        var x = m.Metrics;
        var o = r.Options;
        var sb = new StringBuilder();
        void L(string line = "") => sb.AppendLine(line);
        L($"# Model card: pharmacogenomic models {m.Version}");
        L();
        L($"**Outputs are model estimates** — {TreatmentResponseOutput.EstimateLabel}. Guideline recommendations come only from the");
        L(I($"knowledge base (CPIC, version {m.KnowledgeBaseVersion}) and cite it; these models never produce or change a recommendation."));
        L();
        L("## Treatment-response model");
        L();
        L(I($"**What it is.** A transformer encoder (TorchSharp; d = {o.ModelDim}, {o.Layers} layers, {o.Heads} heads, feed-forward {o.FeedForward}) over tokens for the"));
        L("candidate drug and dose, the genotype (CPIC phenotype per gene from the knowledge base, CYP2D6 activity score after");
        L("phenoconversion, strongest CYP2D6 inhibitor among co-medications, or \"not genotyped\") and each past treatment (drug, dose,");
        L("duration, response, side effects, recency). Heads: probability of response and of each of the 15 known side effects.");
        L();
        L("- **Efficacy** = temperature-scaled probability of response.");
        L("- **Confidence** = 1 − binary entropy(efficacy) / ln 2: how decisive the estimate is (0 at 50 %, 1 near 0 % or 100 %). It is");
        L("  not a measure of how much data supports the estimate: a patient unlike the training population can get a confident answer.");
        L(I($"- **Percentile** = where the efficacy lies among {m.Response.ReferencePatients} simulated reference patients' efficacy for the same drug at its reference"));
        L("  dose (per-drug percentiles stored in metadata.json; linear interpolation, never decreasing in efficacy).");
        L();
        L(I($"**Data.** Synthetic only: `TreatmentOutcomeSimulator` (docs/pgx-outcome-simulator.md), seed {m.Seed}, {r.Data.Patients} patients"));
        L(I($"({r.Data.TrainExamples + r.Data.ValidationExamples + r.Data.TestExamples} treatments) split by patient 70/15/15. BCE loss (response + side effects), AdamW, early stopping on validation loss,"));
        L("temperature scaling on the validation split.");
        L();
        L(I($"**Test results** ({x.TestPatients} held-out patients, {x.TestExamples} treatments):"));
        L();
        L("| | transformer | logistic baseline | base rate | simulator oracle |");
        L("|---|---|---|---|---|");
        L($"| response Brier | {F(x.EfficacyBrier)} | {F(x.EfficacyBrierBaseline)} | {F(x.EfficacyBrierBaseRate)} | {F(x.EfficacyBrierOracle)} |");
        L($"| response log-loss | {F(x.EfficacyLogLoss)} | {F(x.EfficacyLogLossBaseline)} | | |");
        L($"| response AUC | {F(x.EfficacyAuc, "F3")} | {F(x.EfficacyAucBaseline, "F3")} | 0.500 | |");
        L($"| side effects, mean Brier | {F(x.SideEffectMeanBrier)} | {F(x.SideEffectMeanBrierBaseline)} | | |");
        L($"| side effects, macro AUC | {F(x.SideEffectMacroAuc, "F3")} | {F(x.SideEffectMacroAucBaseline, "F3")} | | |");
        L();
        L($"Response ECE after calibration: {F(x.EfficacyEce)}. Reliability diagram, subgroups and per-side-effect tables: report.md.");
        L();
        L($"**Against its baseline:** {x.ResponseSkill().Summary}.");
        L();
        L($"**Side effects against their baseline:** {x.SideEffectSkill().Summary}.");
        L();
        L("## Gene–drug interaction model");
        L();
        L(I($"**What it is.** A 2-layer relational message-passing network (mean aggregation per relation, d = {m.Graph.Dim}) over the knowledge graph built"));
        L(I($"from the knowledge base ({m.Graph.Nodes.Count} nodes, {m.Graph.Edges.Count} edges: drug–gene from guidelines, inhibitor–gene from phenoconversion data,"));
        L("drug–guideline, guideline–gene, gene–pathway, gene–role) with a DistMult decoder; `ScoreInteraction(drug, gene)` gives 0..1.");
        L(I($"Trained by link prediction with negative sampling. **Held-out AUC {F(x.GraphHeldOutAuc, "F3")}** ({r.Graph.Folds}-fold CV; {x.GraphHeldOutPositives} interactions vs"));
        L(I($"{x.GraphHeldOutNegatives} non-interactions) — a small graph, so a rough figure; training-graph AUC {F(x.GraphTrainingAuc, "F3")}."));
        L();
        L($"**Against its baseline:** {x.InteractionSkill().Summary}.");
        L();
        L("## Intended use and limits");
        L();
        L("Demonstration and integration testing of NovaMind's pharmacogenomics path. **Not validated on real patients; not for clinical");
        L("decisions.** The simulator's effect sizes are invented to be plausible in direction, not measured; what the model learns is the");
        L("simulator. Adherence is not an input (it is hidden in the simulator), so it is part of the irreducible noise. Drugs outside the");
        L("knowledge base's 17 guideline drugs are accepted in a history only as \"other drug\". HLA-B*15:02 carriers are enriched in the");
        L("simulated population (4 %) so that the carbamazepine rash signal can be learned.");
        return sb.ToString();
    }

    /// <summary>A hand-drawn SVG reliability diagram (no plotting package needed).</summary>
    public static string ReliabilitySvg(ReliabilityDiagram diagram)
    {
        const int width = 440, height = 430, left = 60, top = 40, size = 340;
        string X(double p) => (left + p * size).ToString("F1", CultureInfo.InvariantCulture);
        string Y(double p) => (top + (1 - p) * size).ToString("F1", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine(I($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        sb.AppendLine(I($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        sb.AppendLine(I($"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">Reliability of P(response), held-out test patients</text>"));
        for (var k = 0; k <= 10; k++)
        {
            var p = k / 10.0;
            sb.AppendLine($"<line x1=\"{X(p)}\" y1=\"{Y(0)}\" x2=\"{X(p)}\" y2=\"{Y(1)}\" stroke=\"#eee\"/><line x1=\"{X(0)}\" y1=\"{Y(p)}\" x2=\"{X(1)}\" y2=\"{Y(p)}\" stroke=\"#eee\"/>");
            if (k % 2 == 0)
                sb.AppendLine($"<text x=\"{X(p)}\" y=\"{top + size + 16}\" text-anchor=\"middle\">{F(p, "F1")}</text><text x=\"{left - 6}\" y=\"{Y(p)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{F(p, "F1")}</text>");
        }
        sb.AppendLine($"<rect x=\"{left}\" y=\"{top}\" width=\"{size}\" height=\"{size}\" fill=\"none\" stroke=\"#444\"/>");
        sb.AppendLine($"<line x1=\"{X(0)}\" y1=\"{Y(0)}\" x2=\"{X(1)}\" y2=\"{Y(1)}\" stroke=\"#888\" stroke-dasharray=\"5,4\"/>");
        sb.AppendLine(I($"<text x=\"{left + size / 2}\" y=\"{top + size + 34}\" text-anchor=\"middle\">mean predicted probability (bin)</text>"));
        sb.AppendLine(I($"<text x=\"16\" y=\"{top + size / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {top + size / 2})\">observed response rate</text>"));
        var series = new (string Name, string Colour, IReadOnlyList<ReliabilityBin> Bins)[]
        {
            ("transformer (temperature-scaled)", "#1f77b4", diagram.Transformer),
            ("transformer (before calibration)", "#9aa5b1", diagram.Uncalibrated),
            ("logistic baseline", "#ff7f0e", diagram.Baseline),
        };
        for (var s = 0; s < series.Length; s++)
        {
            var (name, colour, bins) = series[s];
            var points = bins.Where(b => b.Count > 0).Select(b => $"{X(b.MeanPredicted)},{Y(b.Observed)}").ToList();
            sb.AppendLine($"<polyline points=\"{string.Join(" ", points)}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>");
            foreach (var b in bins.Where(b => b.Count > 0))
                sb.AppendLine($"<circle cx=\"{X(b.MeanPredicted)}\" cy=\"{Y(b.Observed)}\" r=\"3.5\" fill=\"{colour}\"><title>{name}: n={b.Count}</title></circle>");
            var ly = top + 16 + s * 18;
            sb.AppendLine(I($"<line x1=\"{left + 10}\" y1=\"{ly}\" x2=\"{left + 28}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"2\"/>"));
            sb.AppendLine(I($"<text x=\"{left + 32}\" y=\"{ly}\" dominant-baseline=\"middle\" font-size=\"11\">{name}</text>"));
        }
        sb.AppendLine("</svg>");
        return sb.ToString();
    }
}
