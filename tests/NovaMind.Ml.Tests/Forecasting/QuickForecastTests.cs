using System.Diagnostics;
using System.Text.Json;
using NovaMind.Domain.Observations;
using NovaMind.Ml.Forecasting;
using Xunit.Abstractions;

namespace NovaMind.Ml.Tests.Forecasting;

/// <summary>The real <c>train forecast --quick</c> options, one symptom (mood), written as an artifact set.</summary>
public sealed class QuickForecastFixture : IDisposable
{
    public QuickForecastFixture()
    {
        Options = ForecastEnsembleOptions.Quick("quick-test") with { Symptoms = [ObservationType.Mood] };
        var clock = Stopwatch.StartNew();
        Result = new ForecastEnsembleTrainer(Options, Log.Add).Train();
        TrainingTime = clock.Elapsed;
        Directory = Path.Combine(Path.GetTempPath(), "nm-forecast-set-" + Guid.NewGuid().ToString("N"));
        ForecastArtifactSet.Write(Directory, [Result]);
    }

    public ForecastEnsembleOptions Options { get; }
    public ForecastEnsembleResult Result { get; }
    public TimeSpan TrainingTime { get; }
    public string Directory { get; }
    public List<string> Log { get; } = [];

    public void Dispose()
    {
        Result.Dispose();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}

public class QuickForecastTests(QuickForecastFixture fixture, ITestOutputHelper output) : IClassFixture<QuickForecastFixture>
{
    [Fact]
    public void QuickOptionsCoverEverySymptomAndTheServedHorizons()
    {
        var quick = ForecastEnsembleOptions.Quick("v");
        Assert.Equal(["mood", "phq9", "gad7"], quick.Symptoms.Select(s => s.Name));
        Assert.Equal(28, quick.Horizon);
        Assert.Equal(28, quick.XGBoost.MaxHorizon);
        Assert.Equal(28, quick.Transformer.MaxHorizon);
        Assert.Contains(28, quick.XGBoostSearch.TuningHorizons!);
        Assert.Equal("v", quick.Version);
        Assert.Equal(new ForecastEnsembleOptions().Horizon, quick.Horizon);
    }

    [Fact]
    public void QuickEnsembleBeatsLastValueAndStaysCloseToTheBetterModel()
    {
        foreach (var line in fixture.Log.Where(l => !l.StartsWith("trial", StringComparison.Ordinal))) output.WriteLine(line);
        output.WriteLine($"trained in {fixture.TrainingTime.TotalSeconds:F0} s");
        var mae = fixture.Result.Report.Mae;
        double Mean(string p) => mae[p].Average();
        foreach (var p in ForecastEnsembleTrainer.Predictors) output.WriteLine($"{p}: mean test MAE {Mean(p):F4}");
        Assert.Equal(28, mae["ensemble"].Length);
        Assert.True(Mean("ensemble") < Mean("last_value"), $"ensemble {Mean("ensemble"):F4} ≥ last value {Mean("last_value"):F4}");
        // Quick budgets leave the weights noisy (8 validation patients), so only a wide margin is asserted here; the
        // 1 % target is the default run's, in its report.
        var better = Math.Min(Mean("transformer"), Mean("xgboost"));
        Assert.True(Mean("ensemble") <= 1.1 * better, $"ensemble {Mean("ensemble"):F4} > 1.1 × better single model {better:F4}");
        for (var h = 0; h < 28; h++)
            Assert.True(mae["ensemble"][h] <= Math.Max(mae["transformer"][h], mae["xgboost"][h]) * 1.05, $"h={h + 1}: ensemble worse than both models");
    }

    [Fact]
    public void ArtifactSetRoundTripsTheTrainersForecasts()
    {
        var dir = fixture.Directory;
        var manifest = ForecastArtifactSet.ReadManifest(dir);
        Assert.Equal("quick-test", manifest.Version);
        Assert.Equal(28, manifest.Horizon);
        Assert.Equal(["mood"], manifest.Symptoms);
        Assert.Equal(fixture.Options.Seed, manifest.Seed);
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, ForecastArtifactSet.ManifestFile))))
            Assert.True(json.RootElement.TryGetProperty("trained_at", out _), "manifest keys are snake_case");

        var symptomDir = ForecastArtifactSet.SymptomDirectory(dir, "mood");
        var ensemble = ForecastEnsembleArtifacts.LoadEnsemble(symptomDir);
        using var xgb = XGBoostDirectForecaster.Load(Path.Combine(symptomDir, "xgboost"));
        using var tf = TransformerForecaster.Load(Path.Combine(symptomDir, "transformer"));
        Assert.Equal(28, ensemble.Horizons.Length);
        Assert.Equal(28, xgb.MaxHorizon);
        Assert.Equal(28, tf.MaxHorizon);
        Assert.Equal(fixture.Result.Ensemble.TransformerWeights, ensemble.TransformerWeights);

        // The trainer's stored sample: rebuild the inputs from the patient's observations and forecast again.
        var sample = fixture.Result.Sample;
        var patient = fixture.Result.Cohort.Patients[sample.Patient];
        var features = ForecastFeatures.Compute(patient.Observations, ObservationType.Mood, sample.Origin, ForecastEnsembleTrainer.MedicationStarts(patient));
        Assert.Equal(sample.XGBoost, xgb.Predict(features));
        var window = new SequenceWindowBuilder(patient.Index, patient.Observations, ObservationType.Mood, tf.Metadata.Window, tf.MaxHorizon).Build(sample.Origin)!;
        var forecast = tf.Predict([window])[0];
        for (var h = 0; h < 28; h++) Assert.Equal(sample.Transformer[h], forecast.Mean[h], 1e-5);
        var combined = ensemble.Combine(28, forecast.Mean[27], sample.XGBoost[27]);
        Assert.Equal(fixture.Result.Ensemble.Combine(28, sample.Transformer[27], sample.XGBoost[27]), combined, 1e-5);

        // report.json: the mood report's keys at the top, every symptom's report under "symptoms".
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, ForecastArtifactSet.ReportJsonFile)));
        var root = report.RootElement;
        Assert.Equal(28, root.GetProperty("horizons").GetArrayLength());
        Assert.Equal(28, root.GetProperty("mae").GetProperty("oracle").GetArrayLength());
        Assert.True(root.GetProperty("coverage").TryGetProperty("95", out _));
        Assert.Equal(28, root.GetProperty("symptoms").GetProperty("mood").GetProperty("mae").GetProperty("ensemble").GetArrayLength());
        Assert.Contains("mood", File.ReadAllText(Path.Combine(dir, ForecastArtifactSet.ModelCardFile)));
    }
}
