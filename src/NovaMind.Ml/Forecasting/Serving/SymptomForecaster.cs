using System.Globalization;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Ml.Inference;
using static TorchSharp.torch;

namespace NovaMind.Ml.Forecasting;

/// <summary>One patient's forecast request, prepared for both models: the Transformer's window and XGBoost's feature row at the origin.</summary>
public sealed record SymptomForecastInput(ObservationType Symptom, DateOnly Origin, SequenceWindow Window, float[] Features);

/// <summary>
/// What the batched models forecast for one request, per horizon 1..MaxHorizon in the symptom's units: the Transformer's
/// mean and sd and XGBoost's value. The combination with the per-patient statistical member, the weights and the intervals
/// are <see cref="PersonalisedForecaster"/>'s.
/// </summary>
public sealed record SymptomForecastOutput(double[] Transformer, double[] TransformerSd, double[] XGBoost);

/// <summary>
/// The served forecast models: for each symptom an artifact folder (<c>&lt;set&gt;/&lt;symptom&gt;/</c> with
/// <c>ensemble.json</c>, <c>transformer/</c> and <c>xgboost/</c>) loaded once. A batch may mix symptoms; each
/// symptom's rows run through its two models together. <see cref="Ensemble"/> gives the learned global weights and
/// conformal quantiles the combination uses. Called by the silo's scheduler from its device executor only.
/// </summary>
public sealed class SymptomForecaster : IBatchModel<SymptomForecastInput, SymptomForecastOutput>, IDisposable
{
    private sealed record Component(TransformerForecaster Transformer, XGBoostDirectForecaster XGBoost, ForecastEnsembleMetadata Ensemble,
        Monitoring.ForecastDriftReference? DriftReference);

    private readonly Dictionary<string, Component> _components;

    private SymptomForecaster(string version, Dictionary<string, Component> components)
    {
        Version = version;
        _components = components;
        MaxHorizon = components.Values.Min(c => c.Ensemble.Horizons.Length);
    }

    public string Version { get; }

    /// <summary>The longest horizon every served symptom covers.</summary>
    public int MaxHorizon { get; }

    public IReadOnlyCollection<string> Symptoms => _components.Keys;

    public bool Serves(ObservationType symptom) => _components.ContainsKey(symptom.Name);

    /// <summary>The symptom's global combination: learned weights and conformal quantiles.</summary>
    public ForecastEnsembleMetadata Ensemble(ObservationType symptom) => Get(symptom).Ensemble;

    /// <summary>The symptom's training distributions of monitored inputs and predictions; null for sets trained before 0.6.0.</summary>
    public Monitoring.ForecastDriftReference? DriftReference(ObservationType symptom) => Get(symptom).DriftReference;

    /// <summary>How the symptom's Transformer is built (for the answer's contributing_models).</summary>
    public string TransformerDescription(ObservationType symptom)
    {
        var m = Get(symptom).Transformer.Metadata;
        return $"encoder-decoder, d={m.ModelDim}, layers={m.Layers}, heads={m.Heads}, {m.Window}-day window, {Get(symptom).Transformer.Precision}";
    }

    /// <summary>The symptom's XGBoost hyperparameters, as chosen by Bayesian optimisation.</summary>
    public string XGBoostDescription(ObservationType symptom)
    {
        var x = Get(symptom).XGBoost;
        var p = x.Hyperparameters;
        return string.Create(CultureInfo.InvariantCulture,
            $"one booster per horizon; max_depth={p.MaxDepth}, eta={p.Eta:0.####}, min_child_weight={p.MinChildWeight:0.##}, subsample={p.Subsample:0.##}, " +
            $"colsample_bytree={p.ColsampleByTree:0.##}, lambda={p.Lambda:0.##}, rounds {x.BestIterations.Min() + 1}–{x.BestIterations.Max() + 1}");
    }

    /// <summary>Loads the version named by <c>CURRENT</c> under <paramref name="forecastRoot"/>.</summary>
    public static SymptomForecaster LoadCurrent(string forecastRoot, Device? device = null, bool halfPrecision = false) =>
        Load(ModelArtifacts.CurrentDirectory(forecastRoot, "forecast model", "./novamind train forecast --promote"), device, halfPrecision);

    public static SymptomForecaster Load(string setDirectory, Device? device = null, bool halfPrecision = false)
    {
        var manifest = ForecastArtifactSet.ReadManifest(setDirectory);
        if (manifest.Symptoms.Count == 0) throw new InvalidDataException($"{setDirectory}/{ForecastArtifactSet.ManifestFile} lists no symptom");
        var components = new Dictionary<string, Component>(StringComparer.Ordinal);
        try
        {
            foreach (var symptom in manifest.Symptoms)
            {
                var dir = ForecastArtifactSet.SymptomDirectory(setDirectory, symptom);
                var ensemble = ForecastEnsembleArtifacts.LoadEnsemble(dir);
                if (!ObservationType.TryParse(ensemble.Symptom, out _) || ensemble.Symptom != symptom || ensemble.Version != manifest.Version)
                    throw new InvalidDataException($"{dir}: ensemble.json is for '{ensemble.Symptom}' version {ensemble.Version}; the manifest says '{symptom}' version {manifest.Version}");
                var transformer = TransformerForecaster.Load(Path.Combine(dir, "transformer"), device, halfPrecision);
                var xgboost = XGBoostDirectForecaster.Load(Path.Combine(dir, "xgboost"));
                components[symptom] = new Component(transformer, xgboost, ensemble, Monitoring.ForecastDriftReference.Load(dir));
                var h = manifest.Horizon;
                if (transformer.MaxHorizon != h || xgboost.MaxHorizon != h || ensemble.Horizons.Length != h || ensemble.ConformalQuantiles.Length != h || ensemble.TransformerWeights.Length != h)
                    throw new InvalidDataException($"{dir}: the Transformer ({transformer.MaxHorizon}), XGBoost ({xgboost.MaxHorizon}) or ensemble ({ensemble.Horizons.Length}) horizons differ from the manifest's {h}");
            }
            return new SymptomForecaster(manifest.Version, components);
        }
        catch
        {
            foreach (var c in components.Values) { c.Transformer.Dispose(); c.XGBoost.Dispose(); }
            throw;
        }
    }

    /// <summary>
    /// Prepares a forecast from the patient's last <paramref name="symptom"/> reading, or null when the history is
    /// too short (<see cref="ForecastHistory"/>). <paramref name="observations"/> must hold the symptom and the
    /// biometrics the models read; other types are ignored.
    /// </summary>
    public SymptomForecastInput? Prepare(IReadOnlyList<Observation> observations, ObservationType symptom, IReadOnlyList<DateOnly>? medicationStarts)
    {
        var c = Get(symptom);
        var features = new ForecastFeatures(observations, symptom, medicationStarts);
        if (features.LastSymptomDay is not { } origin || !ForecastHistory.IsSufficient(features.ObservedDaysInLast28(origin))) return null;
        var window = new SequenceWindowBuilder(0, observations, symptom, c.Transformer.Metadata.Window, c.Transformer.MaxHorizon).Build(origin);
        return window is null ? null : new SymptomForecastInput(symptom, origin, window, features.Compute(origin));
    }

    public SymptomForecastOutput[] Predict(IReadOnlyList<SymptomForecastInput> batch)
    {
        var outputs = new SymptomForecastOutput[batch.Count];
        foreach (var group in Enumerable.Range(0, batch.Count).GroupBy(i => batch[i].Symptom.Name))
        {
            var rows = group.ToArray();
            var c = Get(batch[rows[0]].Symptom);
            var h = c.Ensemble.Horizons.Length;
            var transformer = c.Transformer.Predict([.. rows.Select(i => batch[i].Window)]);
            var features = new float[rows.Length * ForecastFeatures.Count];
            for (var r = 0; r < rows.Length; r++) batch[rows[r]].Features.CopyTo(features, r * ForecastFeatures.Count);
            var xgboost = c.XGBoost.Predict(features, rows.Length);
            for (var r = 0; r < rows.Length; r++)
                outputs[rows[r]] = new SymptomForecastOutput(transformer[r].Mean, transformer[r].Sd, [.. xgboost.AsSpan(r * h, h).ToArray().Select(v => (double)v)]);
        }
        return outputs;
    }

    private Component Get(ObservationType symptom) =>
        _components.TryGetValue(symptom.Name, out var c) ? c : throw new ArgumentException($"the forecast model {Version} has no {symptom.Name} forecaster", nameof(symptom));

    public void Dispose()
    {
        foreach (var c in _components.Values)
        {
            c.Transformer.Dispose();
            c.XGBoost.Dispose();
        }
    }
}
