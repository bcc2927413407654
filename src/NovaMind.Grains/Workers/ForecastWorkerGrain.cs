using Microsoft.Extensions.Options;
using NovaMind.Contracts;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Grains.Placement;
using NovaMind.Ml;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Forecasting.Statistical;
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
    PersonalisedForecaster forecaster,
    InferenceScheduler<SymptomForecastInput, SymptomForecastOutput> scheduler,
    IOptions<ForecastWorkerOptions> options,
    InferenceDevice device) : Grain, IForecastWorkerGrain
{
    public Task<string> ModelVersion() => Task.FromResult(forecaster.Models.Version);

    public async Task<SymptomForecastDto> Forecast(string symptom, ObservationColumns history, DateOnly[] medicationStarts, WorkPriority priority)
    {
        if (!ObservationType.TryParse(symptom, out var type) || !forecaster.Models.Serves(type))
            return Refused(ForecastStatus.UnknownSymptom, $"symptom must be one of {string.Join(", ", forecaster.Models.Symptoms)}; got '{symptom}'");
        var observations = history.ToObservations();
        var request = new InferenceRequestOptions((InferencePriority)priority, options.Value.RequestDeadline);
        PersonalisedForecastOutput? output;
        try
        {
            // The current origin and the patient's backtest origins go to the scheduler together, so they share batches;
            // the statistical member is fitted on this thread meanwhile (a CPU silo thread, not the twin's turn).
            output = await Task.Run(() => forecaster.ForecastAsync(observations, type, medicationStarts,
                async inputs => await Task.WhenAll(inputs.Select(i => scheduler.EnqueueAsync(i, request)))));
        }
        catch (Exception ex) when (ex is InferenceOverloadedException or InferenceDeadlineExceededException)
        {
            throw new InferenceUnavailableException(ex.Message);
        }
        if (output is null)
            return Refused(ForecastStatus.InsufficientHistory, ForecastHistory.Requirement(type, ForecastHistory.Assess(observations, type).ObservedDays));
        var models = forecaster.Models;
        var p = output.Personalisation;
        double[] Member(double[][] weights, int m) => [.. weights.Select(w => w[m])];
        var personalisation = new ForecastPersonalisationDto(p.BacktestOrigins, p.ScoredPoints, p.IntervalScale80, p.IntervalScale95, p.BacktestIntervalScale80, p.BacktestIntervalScale95,
            Member(p.GlobalWeights, 0), Member(p.GlobalWeights, 1), Member(p.GlobalWeights, 2),
            [.. p.Groups.Select(g => new ForecastWeightGroupDto(g.FirstHorizon, g.LastHorizon, g.Origins, g.Points, g.Shrinkage, g.PatientWeights,
                g.BacktestMae.ToDictionary(e => e.Key, e => Math.Round(e.Value, 4))))],
            p.Reason);
        return new SymptomForecastDto(ForecastStatus.Ok, models.Version, output.Origin,
            output.Mean, output.Lower80, output.Upper80, output.Lower95, output.Upper95,
            new ForecastComponentsDto(output.Models.Transformer, output.Models.TransformerSd, models.TransformerDescription(type),
                output.Models.XGBoost, models.XGBoostDescription(type), Member(p.Weights, 0), Member(p.Weights, 1),
                output.Statistical, StatisticalMember.Description, Member(p.Weights, 2), personalisation), ModelDevice: device.Name);
    }

    private SymptomForecastDto Refused(ForecastStatus status, string problem) =>
        new(status, forecaster.Models.Version, default, [], [], [], [], [], null, problem);
}
