using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NovaMind.Contracts;
using NovaMind.Domain.Monitoring;
using NovaMind.Ml.Forecasting.Monitoring;

namespace NovaMind.Grains.Monitoring;

public sealed record ForecastDriftOptions
{
    /// <summary>Values kept per monitored input or prediction and model version on each silo (the sliding window).</summary>
    public int WindowValues { get; init; } = 1000;

    /// <summary>How often a silo recomputes drift from its windows, updates the metrics and reports to the version's drift grain.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A silo's window not reported for this long (the silo stopped) no longer counts in the version's drift.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(2);

    public ForecastDriftOptions Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowValues, 10);
        if (Interval <= TimeSpan.Zero || StaleAfter <= Interval) throw new ArgumentOutOfRangeException(nameof(Interval), "the interval must be positive and shorter than StaleAfter");
        return this;
    }
}

/// <summary>
/// A silo's watch on what its forecast models see and say (issue 16). The forecast worker hands it each served forecast's
/// monitored inputs and predictions and its confidence verdict: an append to a fixed-size ring per model version, symptom
/// and feature (constant time, no statistics on the request path) and two counters. Every
/// <see cref="ForecastDriftOptions.Interval"/> it bins each window against the version's training reference, exports
/// PSI, the χ² p-value and the rule's verdict as gauges labelled by version, symptom, kind and feature (never a patient),
/// and reports the bin counts to the version's <see cref="IForecastDriftGrain"/>, which merges the silos' windows for the
/// admin view.
/// </summary>
public sealed partial class ForecastDriftMonitor : BackgroundService
{
    public const string InputKind = "input", PredictionKind = "prediction";

    private static readonly string[] AllReasons = [ConfidenceRule.WideInterval, ConfidenceRule.Disagreement, ConfidenceRule.OutOfDistribution];

    private static readonly Meter MonitoringMeter = new("NovaMind.Monitoring.Drift");
    private static readonly Counter<long> Assessed = MonitoringMeter.CreateCounter<long>("novamind.forecast.confidence_assessed", "{forecast}",
        "Forecasts served with a confidence assessment (model_version, symptom, low_confidence)");
    private static readonly Counter<long> LowConfidenceReasons = MonitoringMeter.CreateCounter<long>("novamind.forecast.low_confidence_reasons", "{forecast}",
        "Low-confidence forecasts by reason (interval_width, member_disagreement, out_of_distribution)");

    private readonly IGrainFactory grains;
    private readonly TimeProvider clock;
    private readonly ForecastDriftOptions options;
    private readonly ForecastDriftReferences references;
    private readonly DriftRule rule;
    private readonly ILogger<ForecastDriftMonitor> log;
    private readonly string silo;
    private readonly ConcurrentDictionary<(string Version, string Symptom, string Kind, string Feature), Window> _windows = new();
    private volatile IReadOnlyList<(string Version, string Symptom, string Kind, string Feature, DriftResult Result)> _latest = [];

    public ForecastDriftMonitor(IGrainFactory grains, TimeProvider clock, ForecastDriftOptions options, ForecastDriftReferences references, DriftRule rule,
        ILocalSiloDetails siloDetails, ILogger<ForecastDriftMonitor> log)
    {
        (this.grains, this.clock, this.options, this.references, this.rule, this.log) = (grains, clock, options.Validated(), references, rule, log);
        silo = siloDetails.SiloAddress.ToParsableString();
        MonitoringMeter.CreateObservableGauge("novamind.model.drift_psi", () => Gauge(r => r.Psi),
            description: "Population stability index of the silo's window against the training reference (model_version, symptom, kind, feature)");
        MonitoringMeter.CreateObservableGauge("novamind.model.drift_p_value", () => Gauge(r => r.ChiSquarePValue),
            description: "Chi-square goodness-of-fit p-value of the window's bin counts against the training shares");
        MonitoringMeter.CreateObservableGauge("novamind.model.drift_window_values", () => Gauge(r => r.Count),
            description: "Values in the silo's sliding window");
        MonitoringMeter.CreateObservableGauge("novamind.model.drift_detected", () => Gauge(r => r.Drifted ? 1 : 0),
            description: "1 when the window meets the drift rule (PSI and p-value thresholds with enough values)");
    }

    private IEnumerable<Measurement<double>> Gauge(Func<DriftResult, double> pick)
    {
        foreach (var (version, symptom, kind, feature, result) in _latest)
        {
            var value = pick(result);
            if (double.IsFinite(value))
                yield return new Measurement<double>(value, new System.Diagnostics.TagList
                    { { "model_version", version }, { "symptom", symptom }, { "kind", kind }, { "feature", feature } });
        }
    }

    /// <summary>Records one served forecast: its monitored inputs (<see cref="ForecastDriftReference.MonitoredInputs"/> order) and predictions.</summary>
    public void Record(string version, string symptom, IReadOnlyList<double> inputs, IReadOnlyList<double> predictions, ConfidenceAssessment? confidence)
    {
        for (var i = 0; i < Math.Min(inputs.Count, ForecastDriftReference.MonitoredInputs.Count); i++)
            Append((version, symptom, InputKind, ForecastDriftReference.MonitoredInputs[i]), inputs[i]);
        for (var i = 0; i < Math.Min(predictions.Count, ForecastDriftReference.MonitoredHorizons.Count); i++)
            Append((version, symptom, PredictionKind, ForecastDriftReference.PredictionName(ForecastDriftReference.MonitoredHorizons[i])), predictions[i]);
        if (confidence is null) return;
        Assessed.Add(1, new System.Diagnostics.TagList { { "model_version", version }, { "symptom", symptom }, { "low_confidence", confidence.LowConfidence ? "true" : "false" } });
        // Every reason's series exists from the first forecast (at 0), so a share reads 0 rather than no data.
        foreach (var reason in AllReasons)
            LowConfidenceReasons.Add(confidence.Reasons.Contains(reason) ? 1 : 0,
                new System.Diagnostics.TagList { { "model_version", version }, { "symptom", symptom }, { "reason", reason } });
    }

    private void Append((string, string, string, string) key, double value)
    {
        if (!double.IsFinite(value)) return; // a stream with no reading that week: nothing to compare
        _windows.GetOrAdd(key, _ => new Window(options.WindowValues)).Add(value);
    }

    /// <summary>Bins every window, refreshes the gauges and reports each version's counts (also on the timer).</summary>
    public async Task UpdateAsync()
    {
        var latest = new List<(string, string, string, string, DriftResult)>();
        var reports = new Dictionary<string, List<DriftCountsDto>>(StringComparer.Ordinal);
        foreach (var ((version, symptom, kind, feature), window) in _windows)
        {
            if (!references.For(version).TryGetValue(symptom, out var reference)) continue;
            if (ForecastDriftReferences.Find(reference, kind, feature) is not { } distribution) continue;
            var counts = DriftRule.Counts(distribution, window.Snapshot());
            latest.Add((version, symptom, kind, feature, rule.Evaluate(distribution, counts)));
            if (!reports.TryGetValue(version, out var list)) reports[version] = list = [];
            list.Add(new DriftCountsDto(symptom, feature, kind, counts));
        }
        _latest = latest;
        foreach (var (version, counts) in reports)
        {
            try
            {
                await grains.GetGrain<IForecastDriftGrain>(version).Report(silo, [.. counts], clock.GetUtcNow());
            }
            catch (Exception ex)
            {
                LogReportFailed(ex, version); // the window is still here: the next tick reports it
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await UpdateAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drift windows of model {Version} not reported; retried at the next interval")]
    private partial void LogReportFailed(Exception ex, string version);

    /// <summary>The last <c>capacity</c> values of one feature (a ring; writers and the reader share one lock, held for an array copy at most).</summary>
    private sealed class Window(int capacity)
    {
        private readonly double[] _values = new double[capacity];
        private readonly Lock _gate = new();
        private long _written;

        public void Add(double value)
        {
            lock (_gate) _values[_written++ % _values.Length] = value;
        }

        public double[] Snapshot()
        {
            lock (_gate) return _values[..(int)Math.Min(_written, _values.Length)];
        }
    }
}
