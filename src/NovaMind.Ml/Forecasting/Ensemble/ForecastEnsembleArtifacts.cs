using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NovaMind.Ml.Forecasting;

/// <summary>
/// Writes an ensemble run as an artifact folder: xgboost/, transformer/, ensemble.json, report.json, report.md,
/// MODEL_CARD.md and, when the caller passes renderers (the CLI uses ScottPlot; this project takes no plotting
/// dependency), error_by_horizon.png and fan_chart.png.
/// </summary>
public static class ForecastEnsembleArtifacts
{
    public const string EnsembleFile = "ensemble.json";
    public const string ReportJsonFile = "report.json";
    public const string ReportFile = "report.md";
    public const string ModelCardFile = "MODEL_CARD.md";
    public const string ErrorPlotFile = "error_by_horizon.png";
    public const string FanChartFile = "fan_chart.png";

    public static void Write(string directory, ForecastEnsembleResult result,
        Func<ForecastEnsembleReport, byte[]>? renderErrorPng = null, Func<ForecastEnsembleReport, byte[]>? renderFanPng = null)
    {
        Directory.CreateDirectory(directory);
        result.XGBoost.Save(Path.Combine(directory, "xgboost"));
        result.Transformer.Save(Path.Combine(directory, "transformer"));
        File.WriteAllText(Path.Combine(directory, EnsembleFile), JsonSerializer.Serialize(result.Ensemble, ForecastEnsembleReport.Json));
        File.WriteAllText(Path.Combine(directory, ReportJsonFile), JsonSerializer.Serialize(result.Report, ForecastEnsembleReport.Json));
        var plots = new List<string>();
        if (renderErrorPng is not null) { File.WriteAllBytes(Path.Combine(directory, ErrorPlotFile), renderErrorPng(result.Report)); plots.Add(ErrorPlotFile); }
        if (renderFanPng is not null) { File.WriteAllBytes(Path.Combine(directory, FanChartFile), renderFanPng(result.Report)); plots.Add(FanChartFile); }
        File.WriteAllText(Path.Combine(directory, ReportFile), Report(result.Report, plots));
        File.WriteAllText(Path.Combine(directory, ModelCardFile), ModelCard(result));
    }

    public static ForecastEnsembleMetadata LoadEnsemble(string directory) =>
        JsonSerializer.Deserialize<ForecastEnsembleMetadata>(File.ReadAllText(Path.Combine(directory, EnsembleFile)), ForecastEnsembleReport.Json)!;

    private static string F(double v, string format = "F3") => v.ToString(format, CultureInfo.InvariantCulture);

    public static string Report(ForecastEnsembleReport r, IReadOnlyList<string> plots)
    {
        var s = new StringBuilder();
        s.AppendLine($"# Forecast ensemble validation report — {r.Symptom}, {r.Version}");
        s.AppendLine();
        s.AppendLine($"Simulated cohort (SymptomCohortSimulator, seed {r.Data["seed"]}): {r.Data["patients"]} patients × {r.Data["days"]} days; " +
                     $"{r.Data["train_patients"]} training, {r.Data["validation_patients"]} validation (ensemble weights and conformal calibration), " +
                     $"{r.Data["test_patients"]} test patients. Training patients' data stop before {r.Data["test_origins_from"]}; test origins are the test " +
                     $"patients' origins from that day on ({r.Data["test_origins"]} origins; validation {r.Data["validation_origins"]}). Only origins both models can build are used.");
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
                     "Last value: the origin's value. Oracle: the simulator's exact conditional mean (SymptomOracle). Fixed ensemble: 0.7 · Transformer + 0.3 · XGBoost.");
        s.AppendLine();
        s.AppendLine("## Ensemble weights and intervals");
        s.AppendLine();
        s.AppendLine($"Per-horizon Transformer weight w_h (ensemble = w_h · Transformer + (1 − w_h) · XGBoost), grid 0..1 step 0.05 minimising validation MAE: " +
                     string.Join(", ", r.TransformerWeights.Select(w => F(w, "F2"))) + ".");
        s.AppendLine();
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

    private static string Why(EnsembleTarget t, ForecastEnsembleReport r) => t.Name switch
    {
        "ensemble_vs_oracle" => $"the ensemble's mean MAE is {F(t.Value)}× the oracle's (target ≤ 1.15; short by {F(t.Value - 1.15)}). " +
                                "The oracle knows each patient's parameters, regime and latent state; the models learn from a small training cohort (few patients, short series, quick search budgets).",
        "ensemble_vs_seasonal_naive" => $"improvement over weekly seasonal naive is {F(100 * t.Value, "F1")} % (target ≥ 20 %). " +
                                        "The weekly rhythm is small next to the day-to-day noise, so seasonal naive is a fairly strong baseline on this simulator.",
        "ensemble_vs_best_single" => $"at its worst horizon the learned ensemble is {F(100 * (t.Value - 1), "F1")} % worse than the better single model on test (tolerance 1 %). " +
                                     "Weights are fitted on validation patients, so on test they can be off where one model is clearly better.",
        "coverage_80" or "coverage_95" => $"coverage {F(t.Value)} ({t.Threshold}). Calibration and test differ in patients and time (test origins are all in the last part of the series, calibration origins anywhere), " +
                                          "and windows from one patient are correlated, so exchangeability holds only approximately.",
        _ => "",
    };

    public static string ModelCard(ForecastEnsembleResult result)
    {
        var r = result.Report;
        var e = result.Ensemble;
        var s = new StringBuilder();
        s.AppendLine($"# Model card — forecast ensemble ({e.Symptom}), {e.Version}");
        s.AppendLine();
        s.AppendLine("**What**: forecasts of the daily symptom score for horizons 1–" + e.Horizons.Length + " days from a patient's history: a direct XGBoost model (one booster per horizon, " +
                     "Bayesian-optimised hyperparameters) and an encoder–decoder Transformer (autoregressive, Gaussian mean and sd), combined per horizon with weights learned on validation patients, " +
                     $"with split-conformal 80 % and 95 % intervals ({e.ConformalScheme} scores).");
        s.AppendLine();
        s.AppendLine("**Data**: simulated only (SymptomCohortSimulator; docs/forecast-simulator.md). Not validated on real patients; not for clinical decisions.");
        s.AppendLine();
        s.AppendLine($"**Held-out performance** (test patients, last part of time): mean MAE ensemble {F(r.Mae["ensemble"].Average())}, Transformer {F(r.Mae["transformer"].Average())}, " +
                     $"XGBoost {F(r.Mae["xgboost"].Average())}, seasonal naive {F(r.Mae["seasonal_naive"].Average())}, oracle {F(r.Mae["oracle"].Average())}; coverage 80 % {F(r.Coverage["80"])}, 95 % {F(r.Coverage["95"])}. " +
                     $"Targets: {string.Join(", ", r.Targets.Select(t => $"{t.Name} {(t.Passed ? "pass" : "missed")}"))}. See report.md.");
        s.AppendLine();
        s.AppendLine("**Limits**: one symptom per artifact; intervals are marginal (per horizon, over patients), not per patient; the simulator's weekly rhythm, relapse and medication " +
                     "dynamics are the only ones the models have seen. Components: " + string.Join(", ", e.Components.Select(kv => $"{kv.Key} = {kv.Value}")) + ".");
        return s.ToString();
    }
}
