using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static NovaMind.Ml.Forecasting.ForecastEnsembleArtifacts;

namespace NovaMind.Ml.Forecasting;

/// <summary>manifest.json of a forecast artifact set: what a loader needs before it opens the symptom folders.</summary>
public sealed record ForecastArtifactManifest
{
    public required string Version { get; init; }
    /// <summary>H: every symptom's models forecast horizons 1..H.</summary>
    public required int Horizon { get; init; }
    /// <summary><c>ObservationType.Name</c>s; each has a folder of that name.</summary>
    public required IReadOnlyList<string> Symptoms { get; init; }
    public required int Seed { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
}

/// <summary>
/// The forecast artifact set, <c>models/forecast/&lt;version&gt;/</c>: <c>manifest.json</c>, <c>MODEL_CARD.md</c> (all
/// symptoms), <c>report.md</c> (targets per symptom, links to the symptom reports), <c>report.json</c> (the mood report's
/// keys at the top, every symptom's full report under <c>symptoms</c>) and one folder per symptom as
/// <see cref="ForecastEnsembleArtifacts.Write"/> lays it out: ensemble.json, transformer/, xgboost/, report.json,
/// report.md and the plots.
/// </summary>
public static class ForecastArtifactSet
{
    public const string ManifestFile = "manifest.json";
    public const string ModelCardFile = "MODEL_CARD.md";
    public const string ReportFile = "report.md";
    public const string ReportJsonFile = "report.json";

    /// <summary>The folder of one symptom's models (<paramref name="symptom"/> is an <c>ObservationType.Name</c>).</summary>
    public static string SymptomDirectory(string directory, string symptom) => Path.Combine(directory, symptom);

    public static ForecastArtifactManifest ReadManifest(string directory) =>
        JsonSerializer.Deserialize<ForecastArtifactManifest>(File.ReadAllText(Path.Combine(directory, ManifestFile)), ModelArtifacts.Json)
        ?? throw new InvalidDataException($"{directory}/{ManifestFile} is empty");

    public static void Write(string directory, IReadOnlyList<ForecastEnsembleResult> results,
        Func<ForecastEnsembleReport, byte[]>? renderErrorPng = null, Func<ForecastEnsembleReport, byte[]>? renderFanPng = null)
    {
        if (results.Count == 0) throw new ArgumentException("no symptoms", nameof(results));
        var horizon = results[0].Ensemble.Horizons.Length;
        if (results.Any(r => r.Ensemble.Horizons.Length != horizon || r.Ensemble.Version != results[0].Ensemble.Version))
            throw new ArgumentException("every symptom of a set must have the same version and horizons", nameof(results));
        if (results.Select(r => r.Ensemble.Symptom).Distinct().Count() != results.Count) throw new ArgumentException("a symptom appears twice", nameof(results));

        Directory.CreateDirectory(directory);
        foreach (var r in results) ForecastEnsembleArtifacts.Write(SymptomDirectory(directory, r.Ensemble.Symptom), r, renderErrorPng, renderFanPng);
        var manifest = new ForecastArtifactManifest
        {
            Version = results[0].Ensemble.Version,
            Horizon = horizon,
            Symptoms = [.. results.Select(r => r.Ensemble.Symptom)],
            Seed = results[0].Ensemble.Seed,
            TrainedAt = results.Max(r => r.Ensemble.TrainedAt),
        };
        File.WriteAllText(Path.Combine(directory, ManifestFile), JsonSerializer.Serialize(manifest, ModelArtifacts.Json));
        File.WriteAllText(Path.Combine(directory, ReportJsonFile), ReportJson(results));
        File.WriteAllText(Path.Combine(directory, ReportFile), Report(manifest, results, withPlots: renderErrorPng is not null));
        File.WriteAllText(Path.Combine(directory, ModelCardFile), ModelCard(manifest, results));
    }

    /// <summary>The mood report (or the first symptom's) at the top level, so readers of a one-symptom report keep working, plus every report under "symptoms".</summary>
    public static string ReportJson(IReadOnlyList<ForecastEnsembleResult> results)
    {
        var primary = results.FirstOrDefault(r => r.Report.Symptom == "mood") ?? results[0];
        var root = JsonSerializer.SerializeToNode(primary.Report, ModelArtifacts.Json)!.AsObject();
        var symptoms = new JsonObject();
        foreach (var r in results) symptoms[r.Report.Symptom] = JsonSerializer.SerializeToNode(r.Report, ModelArtifacts.Json);
        root["symptoms"] = symptoms;
        return root.ToJsonString(ModelArtifacts.Json);
    }

    public static string Report(ForecastArtifactManifest m, IReadOnlyList<ForecastEnsembleResult> results, bool withPlots = false)
    {
        var reports = results.Select(r => r.Report).ToList();
        var first = reports[0];
        var s = new StringBuilder();
        s.AppendLine($"# Forecast validation report — {m.Version}");
        s.AppendLine();
        s.AppendLine($"Symptoms {string.Join(", ", m.Symptoms)}, horizons 1–{m.Horizon}, each trained and evaluated on its own (XGBoost + Transformer, learned weights, " +
                     $"split-conformal intervals) on the same simulated cohort and patient split: {first.Data["patients"]} patients × {first.Data["days"]} days, seed {m.Seed} " +
                     $"({first.Data["train_patients"]} training, {first.Data["validation_patients"]} validation, {first.Data["test_patients"]} test patients; test origins from {first.Data["test_origins_from"]}).");
        s.AppendLine();
        s.AppendLine("## Targets (test patients)");
        s.AppendLine();
        s.AppendLine("| target | measure | threshold | " + string.Join(" | ", reports.Select(r => r.Symptom)) + " |");
        s.AppendLine("|---|---|---|" + string.Concat(reports.Select(_ => "---|")));
        foreach (var t in first.Targets)
            s.AppendLine($"| {t.Name} | {t.Description} | {t.Threshold} | " +
                         string.Join(" | ", reports.Select(r => r.Targets.Single(x => x.Name == t.Name)).Select(x => $"{F(x.Value, "F4")} {(x.Passed ? "pass" : "**MISSED**")}")) + " |");
        s.AppendLine();
        foreach (var r in reports)
        foreach (var t in r.Targets.Where(t => !t.Passed))
            s.AppendLine($"- **{r.Symptom}, {t.Name} missed**: {Why(t, r)}");
        s.AppendLine();
        s.AppendLine("## Mean test MAE over horizons");
        s.AppendLine();
        s.AppendLine("| symptom | " + string.Join(" | ", ForecastEnsembleTrainer.Predictors) + " |");
        s.AppendLine("|---|" + string.Concat(ForecastEnsembleTrainer.Predictors.Select(_ => "---|")));
        foreach (var r in reports) s.AppendLine($"| {r.Symptom} | " + string.Join(" | ", ForecastEnsembleTrainer.Predictors.Select(p => F(r.Mae[p].Average()))) + " |");
        s.AppendLine();
        s.AppendLine("## Ensemble weights");
        s.AppendLine();
        s.AppendLine($"Validation origins start on day {first.Data["validation_origins_from_day"]} of a patient's data (the Transformer's {first.Data["transformer_window"]}-day window − 1), so weights " +
                     "and intervals are learned where both models see a full history, as on test and in serving. Per horizon, the weight minimising validation MAE over " +
                     $"horizons h−{first.Data["weight_pool_radius"]}…h+{first.Data["weight_pool_radius"]} pooled, shrunk toward the fixed Transformer weight {first.Data["fixed_transformer_weight"]} " +
                     $"by λ chosen by cross-fitting over {first.Data["shrinkage_folds"]} groups of validation patients (ADR 0010; details in each symptom's report).");
        s.AppendLine();
        s.AppendLine("| symptom | λ | Transformer weight h1 | h7 | h14 | h28 | conformal scheme |");
        s.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in reports)
            s.AppendLine($"| {r.Symptom} | {F(r.WeightShrinkage, "F2")} | " + string.Join(" | ", new[] { 1, 7, 14, 28 }.Select(h => h <= r.TransformerWeights.Length ? F(r.TransformerWeights[h - 1], "F2") : "–")) +
                         $" | {r.ConformalScheme} |");
        s.AppendLine();
        if (reports.All(r => r.Fp16 is not null))
        {
            s.AppendLine("## fp16");
            s.AppendLine();
            s.AppendLine("The Transformer's test forecasts again in fp16 on the CPU; real CUDA fp16 was not measurable (no GPU on the training host). Serving uses fp16 only on CUDA; the CPU stays fp32.");
            s.AppendLine();
            s.AppendLine("| symptom | method | mean MAE fp32 | mean MAE fp16 | max abs change of a mean |");
            s.AppendLine("|---|---|---|---|---|");
            foreach (var r in reports)
                s.AppendLine($"| {r.Symptom} | {r.Fp16!.Method} | {F(r.Fp16.MaeFp32.Average(), "F4")} | {F(r.Fp16.MaeFp16.Average(), "F4")} | {F(r.Fp16.MaxAbsDiff, "G3")} |");
            s.AppendLine();
        }
        s.AppendLine("## Per-symptom reports");
        s.AppendLine();
        foreach (var r in reports) s.AppendLine($"- [{r.Symptom}]({r.Symptom}/{ReportFile}): MAE, RMSE and MASE by horizon, weights, intervals, fp16 by horizon, plots.");
        s.AppendLine();
        if (withPlots)
        {
            foreach (var r in reports) s.AppendLine($"![{r.Symptom}: test MAE by horizon]({r.Symptom}/{ErrorPlotFile})");
            s.AppendLine();
        }
        s.AppendLine("## Run");
        s.AppendLine();
        foreach (var r in reports) s.AppendLine($"- {r.Symptom}: {string.Join(", ", r.Seconds.Select(kv => $"{kv.Key} {F(kv.Value, "F0")} s"))}");
        return s.ToString();
    }

    private static string Personalisation(ForecastEnsembleMetadata e) => e.PersonalisationRule switch
    {
        Personalised.PersonalisationRule.Shrinkage => $"up to {e.PersonalisationBacktestOrigins} weekly past origins, trusted by n₀ / (n₀ + origins)",
        Personalised.PersonalisationRule.CrossValidated => $"up to {e.PersonalisationBacktestOrigins} weekly past origins, trusted as far as leaving each origin out shows it pays (ADR 0028)",
        _ => $"up to {e.PersonalisationBacktestOrigins} weekly past origins choose, per patient, the ensemble (trusted by n₀ / (n₀ + origins)) or the statistical member alone with its own intervals (ADR 0029)",
    };

    public static string ModelCard(ForecastArtifactManifest m, IReadOnlyList<ForecastEnsembleResult> results)
    {
        var s = new StringBuilder();
        var first = results[0].Report;
        s.AppendLine($"# Model card — symptom forecasting, {m.Version}");
        s.AppendLine();
        s.AppendLine($"**What**: forecasts of a patient's daily {string.Join(", ", m.Symptoms)} score for each of the next 1–{m.Horizon} days from their history " +
                     "(the symptom itself, the other two symptoms, sleep and HRV — and for XGBoost also resting heart rate, steps and days since a treatment start — " +
                     "with their gaps as masks, and the calendar). Per symptom: a direct XGBoost model (one booster per horizon, Bayesian-optimised " +
                     "hyperparameters), an encoder–decoder Transformer (autoregressive, Gaussian mean and sd) and, fitted per patient when served, a " +
                     $"statistical member ({results[0].Ensemble.Components.GetValueOrDefault("statistical") ?? "SARIMA(1,0,0)(1,0,0)7"}), combined per horizon with weights learned on validation patients, and split-conformal " +
                     "80 % and 95 % intervals. Served, the weights and interval widths are personalised from each patient's own backtest (ADR 0021), " +
                     $"{Personalisation(results[0].Ensemble)}. " +
                     "Skill on patients unlike the training cohort and on a fresh seed: release-evaluation.md (when run).");
        s.AppendLine();
        s.AppendLine($"**Data**: simulated only (SymptomCohortSimulator, docs/forecast-simulator.md): {first.Data["patients"]} patients × {first.Data["days"]} days, seed {m.Seed}; " +
                     $"{first.Data["train_patients"]} training, {first.Data["validation_patients"]} validation, {first.Data["test_patients"]} test patients, test origins in the last part of time. " +
                     "Not validated on real patients.");
        s.AppendLine();
        s.AppendLine("**Held-out performance** (test patients; mean over horizons; symptom points):");
        s.AppendLine();
        s.AppendLine("| symptom | ensemble MAE | Transformer | XGBoost | statistical | seasonal naive | last value | oracle | coverage 80 % | coverage 95 % | targets met |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results.Select(x => x.Report))
            s.AppendLine($"| {r.Symptom} | {F(r.Mae["ensemble"].Average())} | {F(r.Mae["transformer"].Average())} | {F(r.Mae["xgboost"].Average())} | " +
                         $"{(r.Mae.TryGetValue("statistical", out var st) ? F(st.Average()) : "–")} | {F(r.Mae["seasonal_naive"].Average())} | " +
                         $"{F(r.Mae["last_value"].Average())} | {F(r.Mae["oracle"].Average())} | {F(r.Coverage["80"])} | {F(r.Coverage["95"])} | {r.Targets.Count(t => t.Passed)}/{r.Targets.Count} |");
        s.AppendLine();
        s.AppendLine("Missed targets and the reasons are in report.md.");
        s.AppendLine();
        s.AppendLine("**Intended use**: decision support for a care team watching a patient's trajectory (is the next weeks' course likely to worsen?), shown with its intervals, " +
                     "and the integration and load testing of NovaMind's serving path. Not for diagnosis or for clinical decisions on its own, and not validated on real patients.");
        s.AppendLine();
        s.AppendLine("**Limits**: trained on one simulator whose weekly rhythm, relapse and medication dynamics are the only ones the models have seen; intervals are marginal " +
                     "(over patients and origins per horizon), not per patient; a patient needs enough recent history (at least 14 observed days in the last 28 for XGBoost, " +
                     "14 in the Transformer's window); forecasts for long horizons approach the patient's level and carry wide intervals.");
        s.AppendLine();
        var fp = results.Where(r => r.Report.Fp16 is not null).Select(r => $"{r.Report.Symptom} max |Δ mean| {F(r.Report.Fp16!.MaxAbsDiff, "G3")}, mean MAE {F(r.Report.Fp16.MaeFp32.Average(), "F4")} → {F(r.Report.Fp16.MaeFp16.Average(), "F4")}").ToList();
        s.AppendLine("**fp16**: on CUDA the Transformer may be served in fp16 (Inference:HalfPrecision); on the CPU it stays fp32. " +
                     (fp.Count > 0
                         ? $"Measured on the CPU ({results.First(r => r.Report.Fp16 is not null).Report.Fp16!.Method}): {string.Join("; ", fp)}. Real CUDA fp16 was not measured (no GPU on the training host)."
                         : "Not measured in this run."));
        s.AppendLine();
        s.AppendLine("**Components** per symptom folder: ensemble.json (weights of the three members, conformal quantiles), transformer/ (" +
                     string.Join("; ", results.Select(r => $"{r.Ensemble.Symptom}: {r.Ensemble.Components.GetValueOrDefault("transformer_architecture")}")) + "), xgboost/ (one booster per horizon).");
        return s.ToString();
    }
}
