using NovaMind.Contracts;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Ml.Correlation;
using NovaMind.Ml.Inference;

namespace NovaMind.Grains.Workers;

/// <summary>
/// The BiLSTM-attention model's view of the last window before the patient's latest symptom reading, run through the
/// silo's scheduler (batched with every other caller).
/// </summary>
public sealed class ScheduledTemporalPatternEstimator(InferenceScheduler<CorrelationWindowInput, CorrelationWindowOutput> scheduler, CorrelationModel model, TimeSpan deadline)
    : ITemporalPatternEstimator
{
    public async Task<TemporalPatterns> EstimateAsync(IReadOnlyCollection<Observation> observations, WorkPriority priority)
    {
        if (DailySeries.LastObservedDay(observations, model.Symptom) is not { } lastDay) return new TemporalPatterns([], model.Version);
        CorrelationWindowOutput output;
        try
        {
            output = await scheduler.EnqueueAsync(model.BuildInput(observations, model.Symptom, lastDay), new InferenceRequestOptions((InferencePriority)priority, deadline));
        }
        catch (Exception ex) when (ex is InferenceOverloadedException or InferenceDeadlineExceededException)
        {
            throw new InferenceUnavailableException(ex.Message);
        }
        return new TemporalPatterns(
            [new TemporalPatternDto(model.Symptom.Name, lastDay, Math.Round(output.NextDaySymptom, 3),
                [.. output.TemporalImportance.Select(v => Math.Round(v, 5))],
                output.ModalityImportance.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 5), StringComparer.Ordinal))],
            model.Version);
    }
}
