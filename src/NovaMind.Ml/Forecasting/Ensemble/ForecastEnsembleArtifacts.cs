using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NovaMind.Ml.Forecasting;

/// <summary>
/// Writes one symptom's ensemble run as an artifact folder (a symptom folder of <see cref="ForecastArtifactSet"/>):
/// xgboost/, transformer/, ensemble.json, reference.json (drift references), report.json, report.md and, when the caller passes renderers (the CLI uses
/// ScottPlot; this project takes no plotting dependency), error_by_horizon.png and fan_chart.png.
/// </summary>
public static class ForecastEnsembleArtifacts
{
    public const string EnsembleFile = "ensemble.json";
    public const string ReportJsonFile = "report.json";
    public const string ReportFile = "report.md";
    public const string ErrorPlotFile = "error_by_horizon.png";
    public const string FanChartFile = "fan_chart.png";

    public static void Write(string directory, ForecastEnsembleResult result,
        Func<ForecastEnsembleReport, byte[]>? renderErrorPng = null, Func<ForecastEnsembleReport, byte[]>? renderFanPng = null)
    {
        Directory.CreateDirectory(directory);
        result.XGBoost.Save(Path.Combine(directory, "xgboost"));
        result.Transformer.Save(Path.Combine(directory, "transformer"));
        File.WriteAllText(Path.Combine(directory, EnsembleFile), JsonSerializer.Serialize(result.Ensemble, ForecastEnsembleReport.Json));
        result.DriftReference?.Save(directory);
        File.WriteAllText(Path.Combine(directory, ReportJsonFile), JsonSerializer.Serialize(result.Report, ForecastEnsembleReport.Json));
        var plots = new List<string>();
        if (renderErrorPng is not null) { File.WriteAllBytes(Path.Combine(directory, ErrorPlotFile), renderErrorPng(result.Report)); plots.Add(ErrorPlotFile); }
        if (renderFanPng is not null) { File.WriteAllBytes(Path.Combine(directory, FanChartFile), renderFanPng(result.Report)); plots.Add(FanChartFile); }
        File.WriteAllText(Path.Combine(directory, ReportFile), Report(result.Report, plots));
    }

    public static ForecastEnsembleMetadata LoadEnsemble(string directory) =>
        JsonSerializer.Deserialize<ForecastEnsembleMetadata>(File.ReadAllText(Path.Combine(directory, EnsembleFile)), ForecastEnsembleReport.Json)!;

    internal static string F(double v, string format = "F3") => v.ToString(format, CultureInfo.InvariantCulture);

    public static string Report(ForecastEnsembleReport r, IReadOnlyList<string> plots)
    {
        var s = new StringBuilder();
        s.AppendLine($"# Forecast ensemble validation report — {r.Symptom}, {r.Version}");
        s.AppendLine();
        s.AppendLine($"Simulated cohort (SymptomCohortSimulator, seed {r.Data["seed"]}): {r.Data["patients"]} patients × {r.Data["days"]} days; " +
                     $"{r.Data["train_patients"]} training, {r.Data["validation_patients"]} validation (ensemble weights and conformal calibration), " +
                     $"{r.Data["test_patients"]} test patients. Training patients' data stop before {r.Data["test_origins_from"]}; test origins are the test " +
                     $"patients' origins from that day on ({r.Data["test_origins"]} origins). Only origins both models can build are used.");
        s.AppendLine();
        s.AppendLine($"Validation origins ({r.Data["validation_origins"]}) start on day {r.Data["validation_origins_from_day"]} of each validation patient's data" +
                     (Equals(r.Data["validation_origins_from_day"], (int)r.Data["transformer_window"] - 1)
                         ? $", the first origin whose {r.Data["transformer_window"]}-day Transformer window lies wholly inside the data. Earlier origins would give the Transformer " +
                           "zero-padded, short histories that test origins (months into the data) and served patients with a full window do not have; on them XGBoost looks " +
                           "better than it is on test, and weights learned there did not carry over."
                         : " (set explicitly)."));
        s.AppendLine();
        s.AppendLine("## Targets");
        s.AppendLine();
        s.AppendLine("| target | measure | value | threshold | result |");
        s.AppendLine("|---|---|---|---|---|");
        foreach (var t in r.Targets) s.AppendLine($"| {t.Name} | {t.Description} | {F(t.Value, "F4")} | {t.Threshold} | {(t.Passed ? "pass" : "**MISSED**")} |");
        s.AppendLine();
        foreach (var t in r.Targets.Where(t => !t.Passed)) s.AppendLine($"- **{t.Name} missed**: {Why(t, r)}");
        s.AppendLine();
        foreach (var (title, table) in new[] { ("MAE", r.Mae), ("RMSE", r.Rmse), ("MASE", r.Mase) })
        {
            s.AppendLine($"## Test {title} by horizon");
            s.AppendLine();
            s.AppendLine("| h | " + string.Join(" | ", table.Keys) + " |");
            s.AppendLine("|---|" + string.Concat(table.Keys.Select(_ => "---|")));
            for (var h = 0; h < r.Horizons.Length; h++) s.AppendLine($"| {r.Horizons[h]} | " + string.Join(" | ", table.Values.Select(v => F(v[h]))) + " |");
            s.AppendLine("| mean | " + string.Join(" | ", table.Values.Select(v => F(v.Average()))) + " |");
            s.AppendLine();
        }
        s.AppendLine("MASE: each test point's absolute error divided by its patient's in-sample mean absolute weekly-seasonal difference " +
                     "|y_d − y_{d−7}| over the days before the held-out time (both days observed), averaged. Seasonal naive: the value of day " +
                     "t + h − 7·⌈h/7⌉ (same weekday in the last observed week up to the origin), else the last observed value before it. " +
                     "Last value: the origin's value. Oracle: the simulator's exact conditional mean (SymptomOracle). Fixed ensemble: 0.7 · Transformer + 0.3 · XGBoost. " +
                     $"Statistical: the per-patient member alone (where present): {r.Data.GetValueOrDefault("statistical_member") ?? "SARIMA(1,0,0)(1,0,0)7"}.");
        s.AppendLine();
        s.AppendLine("## Ensemble weights and intervals");
        s.AppendLine();
        var radius = Convert.ToInt32(r.Data["weight_pool_radius"], CultureInfo.InvariantCulture);
        var prior = Convert.ToDouble(r.Data["fixed_transformer_weight"], CultureInfo.InvariantCulture);
        var three = r.StatisticalWeights is not null;
        s.AppendLine((three
                         ? "How the weights were chosen: ensemble = w_T · Transformer + w_X · XGBoost + w_S · statistical (the per-patient member, fitted at each origin on the patient's own " +
                           $"days up to it; refit every {r.Data.GetValueOrDefault("statistical_refit_days")} days and filtered between). For each horizon h, the point of the weight simplex (step 0.05) "
                         : "How the weights were chosen: ensemble = w_h · Transformer + (1 − w_h) · XGBoost. For each horizon h, the weight on a 0..1 grid (step 0.05) ") +
                     $"minimising the validation MAE of horizons h−{radius}…h+{radius} pooled (neighbouring horizons' errors are alike; pooling puts about three times the " +
                     $"points behind each weight). Then shrinkage toward the fixed {F(prior, "F1")}{(three ? $" / {F(1 - prior, "F1")} / 0" : "")}: w_h = λ · fixed + (1 − λ) · pooled w_h, with λ chosen by cross-fitting " +
                     $"over {r.Data["shrinkage_folds"]} groups of validation patients (each group scored, by mean MAE over horizons, with weights fitted on the other groups; the mean over groups; ties go to the larger λ): " +
                     string.Join(", ", r.ShrinkageSelection.Select(kv => $"λ {kv.Key} → {F(kv.Value, "F4")}")) + $"; **λ = {F(r.WeightShrinkage, "F2")}**.");
        s.AppendLine();
        s.AppendLine("Pooled weights: " + string.Join(", ", r.PooledTransformerWeights.Select(w => F(w, "F2"))) + ".");
        s.AppendLine();
        s.AppendLine("Final weights" + (three ? " (Transformer)" : "") + ": " + string.Join(", ", r.TransformerWeights.Select(w => F(w, "F2"))) + ".");
        s.AppendLine();
        if (three)
        {
            s.AppendLine("Pooled statistical weights: " + string.Join(", ", r.PooledStatisticalWeights!.Select(w => F(w, "F2"))) + ".");
            s.AppendLine();
            s.AppendLine("Final weights (statistical): " + string.Join(", ", r.StatisticalWeights!.Select(w => F(w, "F2"))) + ". XGBoost's weight is 1 − Transformer − statistical.");
            s.AppendLine();
        }
        s.AppendLine($"Split-conformal scheme: **{r.ConformalScheme}** (scores |y − ŷ| or |y − ŷ| / Transformer sd; chosen by coverage on half the validation patients " +
                     $"after calibrating on the other half: {string.Join(", ", r.SchemeSelectionCoverage.Select(kv => $"{kv.Key} {F(kv.Value)}"))}); then calibrated on all validation origins.");
        s.AppendLine();
        s.AppendLine($"Test coverage: 80 % → {F(r.Coverage["80"])}, 95 % → {F(r.Coverage["95"])}.");
        s.AppendLine();
        s.AppendLine("| h | coverage 80 | coverage 95 | mean width 80 | mean width 95 | validation MAE ensemble | transformer | xgboost |");
        s.AppendLine("|---|---|---|---|---|---|---|---|");
        for (var h = 0; h < r.Horizons.Length; h++)
            s.AppendLine($"| {r.Horizons[h]} | {F(r.CoverageByHorizon["80"][h])} | {F(r.CoverageByHorizon["95"][h])} | {F(r.MeanIntervalWidth["80"][h])} | {F(r.MeanIntervalWidth["95"][h])} | " +
                         $"{F(r.ValidationMae["ensemble"][h])} | {F(r.ValidationMae["transformer"][h])} | {F(r.ValidationMae["xgboost"][h])} |");
        s.AppendLine();
        if (r.Fp16 is { } fp)
        {
            s.AppendLine("## fp16 (Transformer)");
            s.AppendLine();
            s.AppendLine($"Measured: **{fp.Method}** — {fp.Description}. Mean test MAE of the Transformer {F(fp.MaeFp32.Average(), "F4")} (fp32) → {F(fp.MaeFp16.Average(), "F4")} (fp16); " +
                         $"largest change of a forecast mean {F(fp.MaxAbsDiff, "G3")} ({r.Symptom} points) over all test origins and horizons. " +
                         "Real CUDA fp16 was not measurable here (no GPU on the training host); CUDA's half kernels round differently, so treat this as the size of the effect, not its exact value. " +
                         "Serving runs fp16 only on CUDA (Inference:HalfPrecision); the CPU stays fp32.");
            s.AppendLine();
            s.AppendLine("| h | MAE fp32 | MAE fp16 | Δ |");
            s.AppendLine("|---|---|---|---|");
            for (var h = 0; h < r.Horizons.Length; h++)
                s.AppendLine($"| {r.Horizons[h]} | {F(fp.MaeFp32[h], "F4")} | {F(fp.MaeFp16[h], "F4")} | {F(fp.MaeFp16[h] - fp.MaeFp32[h], "+0.00000;-0.00000;0.00000")} |");
            s.AppendLine();
        }
        if (plots.Count > 0)
        {
            s.AppendLine("## Plots");
            s.AppendLine();
            foreach (var p in plots) s.AppendLine($"![{p}]({p})");
            s.AppendLine();
        }
        s.AppendLine("## Run");
        s.AppendLine();
        foreach (var kv in r.Data.Where(kv => kv.Key.StartsWith("xgboost") || kv.Key.StartsWith("transformer")))
            s.AppendLine($"- {kv.Key}: {(kv.Value is string[] a ? string.Join("; ", a) : Convert.ToString(kv.Value, CultureInfo.InvariantCulture))}");
        s.AppendLine($"- seconds: {string.Join(", ", r.Seconds.Select(kv => $"{kv.Key} {F(kv.Value, "F0")}"))}");
        return s.ToString();
    }

    internal static string Why(EnsembleTarget t, ForecastEnsembleReport r) => t.Name switch
    {
        "ensemble_vs_oracle" => $"the ensemble's mean MAE is {F(t.Value)}× the oracle's (target ≤ 1.15; short by {F(t.Value - 1.15)}). " +
                                "The oracle knows each patient's parameters, regime and latent state; the models learn from a small training cohort (few patients, short series, quick search budgets).",
        "ensemble_vs_seasonal_naive" => $"improvement over weekly seasonal naive is {F(100 * t.Value, "F1")} % (target ≥ 20 %). " +
                                        "The weekly rhythm is small next to the day-to-day noise, so seasonal naive is a fairly strong baseline on this simulator.",
        "ensemble_vs_best_single" => $"at its worst horizon (h = {WorstHorizon(r)}) the learned ensemble is {F(100 * (t.Value - 1), "F1")} % worse than the better single model on test (tolerance 1 %). " +
                                     "Weights are fitted on validation patients, so on test patients they can be off where one model is clearly better there.",
        "coverage_80" or "coverage_95" => $"coverage {F(t.Value)} ({t.Threshold}). Calibration (validation patients, origins from day {r.Data["validation_origins_from_day"]}) and test (test patients, the last part of time) " +
                                          "differ in patients and time, and windows from one patient are correlated, so exchangeability holds only approximately.",
        _ => "",
    };

    private static int WorstHorizon(ForecastEnsembleReport r) => r.Horizons[Enumerable.Range(0, r.Horizons.Length)
        .MaxBy(h => r.Mae["ensemble"][h] / new[] { "transformer", "xgboost", "statistical" }.Where(r.Mae.ContainsKey).Min(p => r.Mae[p][h]))];
}
