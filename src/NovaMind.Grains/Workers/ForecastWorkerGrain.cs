using Microsoft.Extensions.Options;
using NovaMind.Contracts;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Grains.Placement;
using NovaMind.Ml;
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
/// the silo's one forecast scheduler, which batches them across all callers (and symptoms).
/// </summary>
[StatelessWorker]
[AcceleratorSiloPlacementFilter]
public sealed class ForecastWorkerGrain(
    SymptomForecaster forecaster,
    InferenceScheduler<SymptomForecastInput, SymptomForecastOutput> scheduler,
    IOptions<ForecastWorkerOptions> options,
    InferenceDevice device) : Grain, IForecastWorkerGrain
{
    public Task<string> ModelVersion() => Task.FromResult(forecaster.Version);

    public async Task<SymptomForecastDto> Forecast(string symptom, ObservationColumns history, DateOnly[] medicationStarts, WorkPriority priority)
    {
        if (!ObservationType.TryParse(symptom, out var type) || !forecaster.Serves(type))
            return Refused(ForecastStatus.UnknownSymptom, $"symptom must be one of {string.Join(", ", forecaster.Symptoms)}; got '{symptom}'");
        var observations = history.ToObservations();
        if (forecaster.Prepare(observations, type, medicationStarts) is not { } input)
            return Refused(ForecastStatus.InsufficientHistory, ForecastHistory.Requirement(type, ForecastHistory.Assess(observations, type).ObservedDays));
        SymptomForecastOutput output;
        try
        {
            output = await scheduler.EnqueueAsync(input, new InferenceRequestOptions((InferencePriority)priority, options.Value.RequestDeadline));
        }
        catch (Exception ex) when (ex is InferenceOverloadedException or InferenceDeadlineExceededException)
        {
            throw new InferenceUnavailableException(ex.Message);
        }
        return new SymptomForecastDto(ForecastStatus.Ok, forecaster.Version, input.Origin,
            output.Mean, output.Lower80, output.Upper80, output.Lower95, output.Upper95,
            new ForecastComponentsDto(output.Transformer, output.TransformerSd, forecaster.TransformerDescription(type),
                output.XGBoost, forecaster.XGBoostDescription(type), output.TransformerWeights), ModelDevice: device.Name);
    }

    private SymptomForecastDto Refused(ForecastStatus status, string problem) =>
        new(status, forecaster.Version, default, [], [], [], [], [], null, problem);
}
