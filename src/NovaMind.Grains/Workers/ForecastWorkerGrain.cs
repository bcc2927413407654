using Microsoft.Extensions.Options;
using NovaMind.Contracts;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Monitoring;
using NovaMind.Domain.Observations;
using NovaMind.Grains.Monitoring;
using NovaMind.Grains.Placement;
using NovaMind.Ml;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Forecasting.Assessments;
using NovaMind.Ml.Forecasting.Monitoring;
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
    InferenceDevice device,
    ForecastDriftMonitor monitor,
    ConfidenceRule confidenceRule) : Grain, IForecastWorkerGrain
{
    public Task<string> ModelVersion() => Task.FromResult(forecaster.Models.Version);

    public async Task<SymptomForecastDto> Forecast(string symptom, ObservationColumns history, DateOnly[] medicationStarts, WorkPriority priority)
    {
        if (!ObservationType.TryParse(symptom, out var type) || !forecaster.Models.Serves(type))
            return Refused(ForecastStatus.UnknownSymptom, $"symptom must be one of {string.Join(", ", forecaster.Models.Symptoms)}; got '{symptom}'");
        var observations = history.ToObservations();
        var readiness = ForecastHistory.Evaluate(observations, type);
        if (!readiness.Sufficient) return Refused(ForecastStatus.InsufficientHistory, readiness.Problem!);
        var request = new InferenceRequestOptions((InferencePriority)priority, options.Value.RequestDeadline);
        // PHQ-9/GAD-7 taken every week or two: forecast mood (personalised, as below), then read the score off the
        // patient's own assessment-vs-recall-mood line.
        var target = readiness.Mode == ForecastMode.Assessments ? ObservationType.Mood : type;
        PersonalisedForecastOutput? output;
        try
        {
            // The current origin and the patient's backtest origins go to the scheduler together, so they share batches;
            // the statistical member is fitted on this thread meanwhile (a CPU silo thread, not the twin's turn).
            output = await Task.Run(() => forecaster.ForecastAsync(observations, target, medicationStarts,
                async inputs => await Task.WhenAll(inputs.Select(i => scheduler.EnqueueAsync(i, request)))));
        }
        catch (Exception ex) when (ex is InferenceOverloadedException or InferenceDeadlineExceededException)
        {
            throw new InferenceUnavailableException(ex.Message);
        }
        if (output is null)
            return Refused(ForecastStatus.InsufficientHistory, ForecastHistory.Requirement(target, ForecastHistory.Assess(observations, target).ObservedDays));
        var components = Components(output, target) with { Confidence = Monitor(output, target) };
        if (readiness.Mode == ForecastMode.Daily)
            return new SymptomForecastDto(ForecastStatus.Ok, forecaster.Models.Version, output.Origin,
                output.Mean, output.Lower80, output.Upper80, output.Lower95, output.Upper95, components, ModelDevice: device.Name);

        if (AssessmentForecaster.Fit(AssessmentForecaster.Points(observations, type)) is not { } fit)
            return Refused(ForecastStatus.InsufficientHistory, ForecastHistory.AssessmentRequirement(type, readiness.ObservedDays, 0, readiness.DaysSinceLatestAssessment, readiness.MoodDays));
        var f = AssessmentForecaster.Forecast(fit, observations, type, output.Origin, output.Mean, [.. output.Upper80.Select((u, h) => (u - output.Lower80[h]) / 2)]);
        var assessment = new AssessmentModelDto(fit.Describe(type), fit.Intercept, fit.Slope, fit.ResidualSd, fit.Assessments, ForecastHistory.RecallDays,
            f.RecallMood, output.Mean);
        return new SymptomForecastDto(ForecastStatus.Ok, forecaster.Models.Version, f.Origin, f.Mean, f.Lower80, f.Upper80, f.Lower95, f.Upper95,
            components with { Assessment = assessment }, ModelDevice: device.Name);
    }

    /// <summary>What each member forecast for <paramref name="target"/> and how the personalised weights were chosen.</summary>
    private ForecastComponentsDto Components(PersonalisedForecastOutput output, ObservationType target)
    {
        var models = forecaster.Models;
        var p = output.Personalisation;
        double[] Member(double[][] weights, int m) => [.. weights.Select(w => w[m])];
        var personalisation = new ForecastPersonalisationDto(p.BacktestOrigins, p.ScoredPoints, p.IntervalScale80, p.IntervalScale95, p.BacktestIntervalScale80, p.BacktestIntervalScale95,
            Member(p.GlobalWeights, 0), Member(p.GlobalWeights, 1), Member(p.GlobalWeights, 2),
            [.. p.Groups.Select(g => new ForecastWeightGroupDto(g.FirstHorizon, g.LastHorizon, g.Origins, g.Points, g.Shrinkage, g.PatientWeights,
                g.BacktestMae.ToDictionary(e => e.Key, e => Math.Round(e.Value, 4)))
                { CrossValidatedMae = g.CrossValidatedMae?.ToDictionary(e => e.Key, e => Math.Round(e.Value, 4)) })],
            p.Reason)
        {
            Rule = NovaMind.Ml.Forecasting.PersonalisationRecord.Name(p.Rule),
            IntervalShrinkage80 = p.IntervalShrinkage80,
            IntervalShrinkage95 = p.IntervalShrinkage95,
            Choice = p.Choice is { } c ? new ForecastChoiceDto(c.MemberAlone, c.Origins, c.Points, c.EnsembleMae, c.MemberMae) : null,
        };
        return new ForecastComponentsDto(output.Models.Transformer, output.Models.TransformerSd, models.TransformerDescription(target),
            output.Models.XGBoost, models.XGBoostDescription(target), Member(p.Weights, 0), Member(p.Weights, 1),
            output.Statistical, StatisticalMember.Description(models.Ensemble(target).StatisticalMemberKind), Member(p.Weights, 2), personalisation, target.Name);
    }

    /// <summary>
    /// The forecast's confidence, and its inputs and predictions handed to the silo's drift monitor (an append; the
    /// statistics are computed off this path). What is monitored is the model that ran: mood when PHQ-9/GAD-7 come from
    /// periodic assessments.
    /// </summary>
    private ForecastConfidenceDto Monitor(PersonalisedForecastOutput output, ObservationType target)
    {
        var models = forecaster.Models;
        var inputs = ForecastDriftReference.InputValues(output.InputFeatures);
        IReadOnlyList<IReadOnlyList<double>> members = output.Statistical is null
            ? [output.Models.Transformer, output.Models.XGBoost]
            : [output.Models.Transformer, output.Models.XGBoost, output.Statistical];
        var reference = models.DriftReference(target);
        var assessment = confidenceRule.Assess(output.IntervalWidthRatio80, members, output.CalibratedHalfWidth80, reference?.Inputs ?? [], inputs);
        monitor.Record(models.Version, target.Name, inputs, ForecastDriftReference.PredictionValues(output.Mean), assessment);
        return new ForecastConfidenceDto(assessment.LowConfidence, [.. assessment.Reasons], assessment.IntervalWidthRatio, assessment.MemberDisagreement,
            reference is null ? null : assessment.OutOfDistributionScore, assessment.OutOfDistributionFeature, confidenceRule.Description);
    }

    private SymptomForecastDto Refused(ForecastStatus status, string problem) =>
        new(status, forecaster.Models.Version, default, [], [], [], [], [], null, problem);
}
