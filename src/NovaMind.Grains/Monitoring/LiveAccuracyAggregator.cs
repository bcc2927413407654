using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NovaMind.Contracts;
using NovaMind.Domain.Monitoring;

namespace NovaMind.Grains.Monitoring;

public sealed record LiveAccuracyOptions
{
    /// <summary>How often a silo hands its scored points to the per-version accuracy grains.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// A silo's collector of realised forecast errors. Twins hand it the points they score when observations arrive (in
/// memory, off the forecast path); it exports them as metrics at once — <c>novamind_forecast_realised_absolute_error</c>
/// (histogram: MAE = sum / count) and <c>novamind_forecast_interval_hits_total</c> (coverage = hits / points), labelled by
/// model version, symptom and horizon bucket, never by patient — and every <see cref="LiveAccuracyOptions.FlushInterval"/>
/// merges them into the version's <see cref="IForecastAccuracyGrain"/> (one call per version and silo, not per twin). A
/// failed flush keeps the points for the next; points still pending when the silo stops are flushed then. Scored PGx
/// estimates take the same way: <c>novamind_pgx_brier_score</c> at once, per-version sums into <see cref="IPgxAccuracyGrain"/>.
/// </summary>
public sealed partial class LiveAccuracyAggregator : BackgroundService
{
    private readonly IGrainFactory grains;
    private readonly TimeProvider clock;
    private readonly LiveAccuracyOptions options;
    private readonly OfflineForecastAccuracy offline;
    private readonly ILogger<LiveAccuracyAggregator> log;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _versionsSeen = new(StringComparer.Ordinal);

    public LiveAccuracyAggregator(IGrainFactory grains, TimeProvider clock, LiveAccuracyOptions options, OfflineForecastAccuracy offline, ILogger<LiveAccuracyAggregator> log)
    {
        (this.grains, this.clock, this.options, this.offline, this.log) = (grains, clock, options, offline, log);
        // The offline numbers of every version this silo has scored, under the same labels as the live series, so an alert
        // can divide one by the other (deploy/k8s/monitoring/alert-rules.yaml).
        MonitoringMeter.CreateObservableGauge("novamind.forecast.offline_mae", () => Offline(a => a.Mae, null),
            description: "Offline (release evaluation) MAE of the version, per symptom and horizon bucket");
        MonitoringMeter.CreateObservableGauge("novamind.forecast.offline_coverage", () => Offline(a => a.Coverage80, "80").Concat(Offline(a => a.Coverage95, "95")),
            description: "Offline interval coverage of the version (level 80 / 95)");
    }

    private IEnumerable<Measurement<double>> Offline(Func<OfflineAccuracy, double?> pick, string? level)
    {
        foreach (var version in _versionsSeen.Keys)
            foreach (var ((symptom, bucket), accuracy) in offline.For(version).Buckets)
                if (pick(accuracy) is { } value)
                {
                    var tags = new System.Diagnostics.TagList { { "model_version", version }, { "symptom", symptom }, { "horizon_bucket", bucket } };
                    if (level is not null) tags.Add("level", level);
                    yield return new Measurement<double>(value, tags);
                }
    }

    private static readonly Meter MonitoringMeter = new("NovaMind.Monitoring");
    private static readonly Histogram<double> RealisedError = MonitoringMeter.CreateHistogram<double>("novamind.forecast.realised_absolute_error", null,
        "Absolute error of served forecasts once the day was observed (model_version, symptom, horizon_bucket)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12] });
    private static readonly Counter<long> IntervalHits = MonitoringMeter.CreateCounter<long>("novamind.forecast.interval_hits", "{point}",
        "Scored forecast points inside their 80 % / 95 % interval (level)");

    private static readonly Histogram<double> PgxBrier = MonitoringMeter.CreateHistogram<double>("novamind.pgx.brier_score", null,
        "Brier score of served treatment-response estimates once the treatment that followed ended (model_version, drug)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9] });

    private readonly Lock _gate = new();
    private Dictionary<(string Version, string Symptom, string Bucket), AccuracyStats> _pending = [];
    private Dictionary<(string Version, string Drug), PgxAccuracyDeltaDto> _pendingPgx = [];

    /// <summary>Scored PGx estimates: the Brier histogram at once, the per-version sums at the next flush.</summary>
    public void Add(IReadOnlyList<PgxScoredPoint> points)
    {
        if (points.Count == 0) return;
        foreach (var p in points)
            PgxBrier.Record(p.Brier, new System.Diagnostics.TagList { { "model_version", p.ModelVersion }, { "drug", p.Drug } });
        lock (_gate)
            foreach (var p in points)
                _pendingPgx[(p.ModelVersion, p.Drug)] = Merge(_pendingPgx.GetValueOrDefault((p.ModelVersion, p.Drug)),
                    new PgxAccuracyDeltaDto(p.Drug, 1, p.Brier, p.Brier * p.Brier, p.Probability, p.Responded ? 1 : 0));
    }

    internal static PgxAccuracyDeltaDto Merge(PgxAccuracyDeltaDto? a, PgxAccuracyDeltaDto b) => a is null ? b : a with
    {
        Count = a.Count + b.Count, SumBrier = a.SumBrier + b.SumBrier, SumSquaredBrier = a.SumSquaredBrier + b.SumSquaredBrier,
        SumProbability = a.SumProbability + b.SumProbability, Responses = a.Responses + b.Responses,
    };

    public void Add(IReadOnlyList<ScoredPoint> points)
    {
        if (points.Count == 0) return;
        foreach (var p in points)
        {
            _versionsSeen.TryAdd(p.ModelVersion, true);
            var tags = new System.Diagnostics.TagList { { "model_version", p.ModelVersion }, { "symptom", p.Symptom }, { "horizon_bucket", p.Bucket } };
            RealisedError.Record(p.AbsoluteError, tags);
            var hits80 = tags;
            hits80.Add("level", "80");
            IntervalHits.Add(p.In80 ? 1 : 0, hits80);
            var hits95 = tags;
            hits95.Add("level", "95");
            IntervalHits.Add(p.In95 ? 1 : 0, hits95);
        }
        lock (_gate)
            foreach (var p in points)
            {
                var key = (p.ModelVersion, p.Symptom, p.Bucket);
                _pending[key] = _pending.GetValueOrDefault(key, AccuracyStats.Empty).Add(p);
            }
    }

    /// <summary>Merges what is pending into the accuracy grains now (also on the timer and at shutdown).</summary>
    public async Task FlushAsync()
    {
        Dictionary<(string Version, string Symptom, string Bucket), AccuracyStats> batch;
        Dictionary<(string Version, string Drug), PgxAccuracyDeltaDto> pgx;
        lock (_gate)
        {
            (batch, pgx) = (_pending, _pendingPgx);
            (_pending, _pendingPgx) = ([], []);
        }
        foreach (var version in pgx.GroupBy(b => b.Key.Version))
        {
            try
            {
                await grains.GetGrain<IPgxAccuracyGrain>(version.Key).Add([.. version.Select(v => v.Value)], clock.GetUtcNow());
            }
            catch (Exception ex)
            {
                LogFlushFailed(ex, version.Key, version.Sum(v => v.Value.Count));
                lock (_gate)
                    foreach (var (key, delta) in version) _pendingPgx[key] = Merge(_pendingPgx.GetValueOrDefault(key), delta);
            }
        }
        foreach (var version in batch.GroupBy(b => b.Key.Version))
        {
            var deltas = version.Select(b => new AccuracyDeltaDto(b.Key.Symptom, b.Key.Bucket, b.Value.Count, b.Value.SumAbsoluteError,
                b.Value.SumSquaredAbsoluteError, b.Value.Hits80, b.Value.Hits95)).ToArray();
            try
            {
                await grains.GetGrain<IForecastAccuracyGrain>(version.Key).Add(deltas, clock.GetUtcNow());
            }
            catch (Exception ex)
            {
                LogFlushFailed(ex, version.Key, deltas.Sum(d => d.Count));
                lock (_gate)
                    foreach (var (key, stats) in version)
                        _pending[key] = _pending.GetValueOrDefault(key, AccuracyStats.Empty).Merge(stats);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.FlushInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live accuracy of model {Version} ({Points} points) not stored yet; kept for the next flush")]
    private partial void LogFlushFailed(Exception ex, string version, long points);
}
