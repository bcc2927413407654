using System.Text.Json;
using NovaMind.Domain.Monitoring;

namespace NovaMind.Ml.Forecasting.Monitoring;

/// <summary>
/// What a symptom forecaster saw in training, kept in its artifact folder (<c>reference.json</c>, sets from 0.6.0) so
/// silos can tell when served inputs or predictions no longer look like it (issue 16): decile bins of each monitored
/// input feature over the training origins, and of the forecast at the monitored horizons over the validation and test
/// origins (the global combination). Bins and shares only; no training value can be read back from them.
/// </summary>
public sealed record ForecastDriftReference(string Symptom, string Version, IReadOnlyList<ReferenceDistribution> Inputs,
    IReadOnlyList<ReferenceDistribution> Predictions, string Source)
{
    public const string FileName = "reference.json";

    /// <summary>
    /// The monitored inputs: the 7-day means of each input stream and the symptom's latest day, as XGBoost computes them
    /// (<see cref="ForecastFeatures"/>; <c>co1</c>/<c>co2</c> are the other two symptoms). Calendar and bookkeeping features
    /// (weekday, days since a reading) are left out: a day's requests share a weekday, which is not drift.
    /// </summary>
    public static readonly IReadOnlyList<string> MonitoredInputs =
        ["y_t-0", "y_mean7", "co1_mean7", "co2_mean7", "sleep_hours_mean7", "hrv_ms_mean7", "resting_hr_mean7", "steps_mean7"];

    /// <summary>Horizons whose forecast distribution is monitored.</summary>
    public static readonly IReadOnlyList<int> MonitoredHorizons = [1, 7];

    public static string PredictionName(int horizon) => $"forecast_h{horizon}";

    private static readonly int[] InputColumns = [.. MonitoredInputs.Select(n => IndexOf(n))];

    private static int IndexOf(string name)
    {
        for (var i = 0; i < ForecastFeatures.Names.Count; i++) if (ForecastFeatures.Names[i] == name) return i;
        throw new InvalidOperationException($"{name} is not a forecast feature");
    }

    /// <summary>The monitored inputs' values in one feature row (NaN where the stream had no reading).</summary>
    public static double[] InputValues(ReadOnlySpan<float> features)
    {
        var values = new double[InputColumns.Length];
        for (var i = 0; i < values.Length; i++) values[i] = features[InputColumns[i]];
        return values;
    }

    /// <summary>The monitored horizons' values of one forecast (horizons 1..H).</summary>
    public static double[] PredictionValues(IReadOnlyList<double> mean) => [.. MonitoredHorizons.Select(h => mean[h - 1])];

    /// <summary>Builds the reference from the training feature rows and the held-out forecasts of the global combination.</summary>
    public static ForecastDriftReference Build(string symptom, string version, ForecastDataset training, IReadOnlyList<double[]> heldOutForecasts)
    {
        var inputs = new List<double>[InputColumns.Length];
        for (var i = 0; i < inputs.Length; i++) inputs[i] = new List<double>(training.Rows);
        for (var r = 0; r < training.Rows; r++)
        {
            var values = InputValues(training.FeatureRow(r));
            for (var i = 0; i < values.Length; i++) inputs[i].Add(values[i]);
        }
        var predictions = MonitoredHorizons.Select(h => ReferenceDistribution.From(PredictionName(h), heldOutForecasts.Select(f => f[h - 1]))).ToList();
        return new ForecastDriftReference(symptom, version,
            [.. MonitoredInputs.Select((name, i) => ReferenceDistribution.From(name, inputs[i]))], predictions,
            $"inputs: {training.Rows} training origins; predictions: {heldOutForecasts.Count} validation and test origins (global combination)");
    }

    public void Save(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, ModelArtifacts.Json));

    /// <summary>The reference in <paramref name="directory"/>, or null for sets trained before references existed.</summary>
    public static ForecastDriftReference? Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<ForecastDriftReference>(File.ReadAllText(path), ModelArtifacts.Json) : null;
    }
}
