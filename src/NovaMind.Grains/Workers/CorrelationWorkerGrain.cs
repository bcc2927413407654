using NovaMind.Contracts;
using NovaMind.Domain.Correlation;
using NovaMind.Domain.Observations;
using NovaMind.Grains.Placement;
using Orleans.Concurrency;

namespace NovaMind.Grains.Workers;

/// <summary>
/// Lag correlations with p-values (exact permutation for Spearman with n ≤ 12, Monte-Carlo permutation for n 13–29, t otherwise, each labelled) and FDR control (domain statistics), plus the attention model's view of
/// which days and modalities it attended to (attention, not causes).
/// </summary>
[StatelessWorker]
[AcceleratorSiloPlacementFilter]
public sealed class CorrelationWorkerGrain(ITemporalPatternEstimator patterns, TimeProvider clock, NovaMind.Ml.InferenceDevice device) : Grain, ICorrelationWorkerGrain
{
    public async Task<CorrelationResult> Analyze(ObservationColumns observations, CorrelationQuery query, WorkPriority priority)
    {
        if (!Enum.TryParse<CorrelationMethod>(query.Method, ignoreCase: true, out var method) || int.TryParse(query.Method, out _))
            return new CorrelationResult(CorrelationStatus.InvalidQuery, null, "method", $"method must be pearson, spearman or both; got '{query.Method}'");
        var request = new LagCorrelationRequest
        {
            LookbackDays = query.LookbackDays,
            MaxLag = query.MaxLag,
            Method = method,
            MinAbs = query.MinAbs,
            MaxQ = query.MaxQ,
        };
        if (LagCorrelationRequestValidator.Validate(request) is { } error)
            return new CorrelationResult(CorrelationStatus.InvalidQuery, null, error.Parameter, error.Message);

        var domain = observations.ToObservations();

        // Permutation p-values can take a few hundred milliseconds: keep them off the grain scheduler's threads.
        var report = await Task.Run(() => LagCorrelationEngine.Analyze(domain, request));
        var temporal = await patterns.EstimateAsync(domain, priority);
        return new CorrelationResult(CorrelationStatus.Ok, new CorrelationReportDto(
            clock.GetUtcNow(), query.LookbackDays, query.MaxLag,
            [.. report.Correlations.Select(c => new LagCorrelationDto(c.BiometricType.Name, c.SymptomType.Name, c.LagDays, c.Method.ToString().ToLowerInvariant(),
                c.Coefficient, c.PValue, c.QValue, c.CiLow, c.CiHigh, c.N, c.Confidence, c.PValueMethod.ToName()))],
            [.. report.Excluded.Select(e => new ExcludedPairDto(e.BiometricType.Name, e.SymptomType.Name, e.LagDays, e.Reason))],
            [.. temporal.Patterns], temporal.ModelVersion, report.TestCount, temporal.ModelVersion is null ? null : device.Name), null, null);
    }
}

public sealed record TemporalPatterns(IReadOnlyList<TemporalPatternDto> Patterns, string? ModelVersion);

/// <summary>Seam between the worker and the (batched) attention model.</summary>
public interface ITemporalPatternEstimator
{
    Task<TemporalPatterns> EstimateAsync(IReadOnlyCollection<Observation> observations, WorkPriority priority);
}
