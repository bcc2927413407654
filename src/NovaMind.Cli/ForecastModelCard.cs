using System.Globalization;
using System.Text;
using NovaMind.Ml.Forecasting;

namespace NovaMind.Cli;

/// <summary>Writes the model card that sits next to a forecast artifact.</summary>
public static class ForecastModelCard
{
    public static string Render(ForecastModelMetadata m, ForecastTrainingOptions o)
    {
        var x = m.Metrics;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Model card: symptom forecaster {m.Version}");
        sb.AppendLine();
        sb.AppendLine("**What it is.** The walking-skeleton forecaster: an MLP (TorchSharp) over the last 28 days of a patient's");
        sb.AppendLine($"daily `{m.Symptom}` (scaled to 0..1, gaps forward-filled, plus the observed-day mask) that predicts a Gaussian");
        sb.AppendLine($"(mean and scale) for each of the next {m.MaxHorizon} days; 80%/95% intervals are mean ± z·scale.");
        sb.AppendLine("It is the thin slice that proves the serving path; the Transformer + XGBoost ensemble with conformal intervals replaces it.");
        sb.AppendLine();
        sb.AppendLine("**Data.** Synthetic only: `CohortSimulator` (docs/simulator.md), " +
                      string.Create(CultureInfo.InvariantCulture, $"{o.Patients} patients × {o.Days} days, seed {m.Seed}; patients split 70/15/15 into train, validation (early stopping) and test."));
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"**Training.** Gaussian negative log-likelihood on observed target days, Adam (lr {o.LearningRate}), batch {o.BatchSize}, {x.Epochs} epochs (early stopping, patience {o.Patience}); best validation NLL {x.BestValidationNll}."));
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"**Test results** ({x.TestPatients} held-out patients, {x.TestWindows} forecast origins), MAE in mood points (0–10):"));
        sb.AppendLine();
        sb.AppendLine("| horizon (days) | model MAE | last-value MAE |");
        sb.AppendLine("|---|---|---|");
        foreach (var h in new[] { 1, 3, 7, 14, 21, 28 }.Where(h => h <= m.MaxHorizon))
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {h} | {x.MaeModel[h - 1]:F3} | {x.MaeLastValue[h - 1]:F3} |"));
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Interval coverage over all horizons: 80% interval {x.Coverage80:P1}, 95% interval {x.Coverage95:P1} (Gaussian, not conformally calibrated)."));
        sb.AppendLine();
        sb.AppendLine("**Intended use.** Demonstration and integration testing of the NovaMind serving path. Not validated on real patients;");
        sb.AppendLine("not for clinical decisions. **Limits.** One symptom (mood); trained on a simple simulator; intervals assume Gaussian errors.");
        return sb.ToString();
    }
}
