using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NovaMind.Grains.Placement;

namespace NovaMind.Silo;

/// <summary>
/// The model versions this silo serves: recorded as each model loads (and in the audit chain), listed in <c>/ready</c>,
/// exported as <c>novamind_model_info{kind, version} 1</c>, and logged. A silo that can host model workers loads them at
/// start-up (<see cref="ModelWarmup"/>) and is ready only once they are loaded, so the first requests after a deployment do
/// not wait for, or time out on, model loading.
/// </summary>
public sealed partial class ServedModels(ILogger<ServedModels> log)
{
    private static readonly Meter ModelMeter = new("NovaMind.Models");
    private readonly ConcurrentDictionary<string, string> _versions = new(StringComparer.Ordinal);
    private int _gaugeRegistered;

    public IReadOnlyDictionary<string, string> Versions => _versions;

    /// <summary>Null while loading; true once every model loaded; false when loading failed (<see cref="Problem"/> says why).</summary>
    public bool? Loaded { get; private set; }

    public string? Problem { get; private set; }

    public void Record(string kind, string version)
    {
        _versions[kind] = version;
        LogServing(kind, version);
        if (Interlocked.Exchange(ref _gaugeRegistered, 1) == 0)
            ModelMeter.CreateObservableGauge("novamind.model.info",
                () => _versions.Select(v => new Measurement<int>(1, new KeyValuePair<string, object?>("kind", v.Key), new KeyValuePair<string, object?>("version", v.Value))),
                description: "Model versions this silo serves (value 1 per kind and version)");
    }

    public void Completed(Exception? failure)
    {
        Problem = failure is null ? null : $"{failure.GetType().Name}: {failure.Message}";
        Loaded = failure is null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving model {Kind} version {Version}")]
    private partial void LogServing(string kind, string version);
}

/// <summary>Loads the forecast, correlation and PGx models at start-up on silos where model workers may run.</summary>
public sealed class ModelWarmup(IServiceProvider services, ServedModels served, IOptions<AcceleratorPlacementOptions> placement, SiloAccelerator accelerator,
    NovaMind.Ml.Inference.DeviceExecutor executor) : BackgroundService
{
    /// <summary>Whether model workers can be placed here: any silo when accelerators are not required, else CUDA silos.</summary>
    public static bool HostsWorkers(AcceleratorPlacementOptions placement, string accelerator) =>
        !placement.RequireAccelerator || accelerator == AcceleratorMetadata.Cuda;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!HostsWorkers(placement.Value, accelerator.Name))
        {
            served.Completed(null);
            return;
        }
        try
        {
            // On the device's executor thread, where every batch of these models runs: libtorch never sees a model being
            // built on one thread while another runs inference.
            await executor.RunAsync(() =>
            {
                _ = services.GetRequiredService<NovaMind.Ml.Forecasting.SymptomForecaster>();
                _ = services.GetRequiredService<NovaMind.Ml.Correlation.CorrelationModel>();
                _ = services.GetRequiredService<NovaMind.Ml.Pharmacogenomics.PgxModels>();
                return true;
            });
            served.Completed(null);
        }
        catch (Exception ex)
        {
            served.Completed(ex);
        }
    }
}

/// <summary>What this silo advertises in its metadata (<c>novamind.accelerator</c>).</summary>
public sealed record SiloAccelerator(string Name);

/// <summary><c>/ready</c>: not ready until this silo's models are loaded (when it hosts workers); lists the versions.</summary>
public sealed class ModelsReadyCheck(ServedModels served) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = served.Versions.ToDictionary(v => v.Key, v => (object)v.Value);
        return Task.FromResult(served.Loaded switch
        {
            null => HealthCheckResult.Unhealthy("loading models", data: data),
            false => HealthCheckResult.Unhealthy($"models failed to load: {served.Problem}", data: data),
            true when data.Count == 0 => HealthCheckResult.Healthy("this silo hosts no model workers", data),
            true => HealthCheckResult.Healthy($"serving {string.Join(", ", served.Versions.OrderBy(v => v.Key).Select(v => $"{v.Key} {v.Value}"))}", data),
        });
    }
}
