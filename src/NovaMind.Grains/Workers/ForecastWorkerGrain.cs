using NovaMind.Contracts;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Inference;
using Orleans.Concurrency;

namespace NovaMind.Grains.Workers;

/// <summary>
/// Stateless: any number of activations per silo hand their requests to the silo's one scheduler,
/// which batches them across all callers.
/// </summary>
[StatelessWorker]
public sealed class ForecastWorkerGrain(InferenceScheduler<ForecastInput, ForecastOutput> scheduler) : Grain, IForecastWorkerGrain
{
    public async Task<ForecastModelOutput> Forecast(float[] scaledHistory, float[] observedMask)
    {
        var output = await scheduler.EnqueueAsync(new ForecastInput(scaledHistory, observedMask));
        return new ForecastModelOutput(output.Mean, output.Sigma, scheduler.ModelVersion);
    }
}
