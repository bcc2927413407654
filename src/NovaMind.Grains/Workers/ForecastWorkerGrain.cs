using Microsoft.Extensions.Options;
using NovaMind.Contracts;
using NovaMind.Grains.Placement;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Inference;
using Orleans.Concurrency;

namespace NovaMind.Grains.Workers;

public sealed record ForecastWorkerOptions
{
    /// <summary>A forecast not started within this time is refused rather than answered late.</summary>
    public TimeSpan RequestDeadline { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Stateless, and placed only on accelerator silos: any number of activations per silo hand their requests to
/// the silo's one scheduler, which batches them across all callers.
/// </summary>
[StatelessWorker]
[AcceleratorSiloPlacementFilter]
public sealed class ForecastWorkerGrain(InferenceScheduler<ForecastInput, ForecastOutput> scheduler, IOptions<ForecastWorkerOptions> options) : Grain, IForecastWorkerGrain
{
    public async Task<ForecastModelOutput> Forecast(float[] scaledHistory, float[] observedMask, WorkPriority priority)
    {
        try
        {
            var output = await scheduler.EnqueueAsync(new ForecastInput(scaledHistory, observedMask),
                new InferenceRequestOptions((InferencePriority)priority, options.Value.RequestDeadline));
            return new ForecastModelOutput(output.Mean, output.Sigma, scheduler.ModelVersion);
        }
        catch (Exception ex) when (ex is InferenceOverloadedException or InferenceDeadlineExceededException)
        {
            throw new InferenceUnavailableException(ex.Message);
        }
    }
}
