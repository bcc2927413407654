namespace NovaMind.Contracts;

/// <summary>
/// Stateless forecasting worker: prepares a patient's history for the Transformer and XGBoost and runs it through
/// the silo's batched forecast ensemble.
/// </summary>
public interface IForecastWorkerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The version of the forecast artifact set this silo serves (twins drop cached forecasts when it changes). It
    /// interleaves with running forecasts: a twin answering from its cache must not queue behind another patient's model work.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<string> ModelVersion();

    /// <summary>
    /// Forecasts <paramref name="symptom"/> for every horizon the model covers, from the symptom's last observed day.
    /// <paramref name="history"/> holds the symptom and the biometrics (other types are ignored);
    /// <paramref name="medicationStarts"/> are the days treatments started.
    /// </summary>
    Task<SymptomForecastDto> Forecast(string symptom, ObservationColumns history, DateOnly[] medicationStarts, WorkPriority priority);
}

/// <summary>A forecast for horizons 1..Mean.Length from <see cref="Origin"/>, in the symptom's units; Status says why there is none.</summary>
[GenerateSerializer, Immutable]
public sealed record SymptomForecastDto(
    [property: Id(0)] ForecastStatus Status,
    [property: Id(1)] string ModelVersion,
    [property: Id(2)] DateOnly Origin,
    [property: Id(3)] double[] Mean,
    [property: Id(4)] double[] Lower80,
    [property: Id(5)] double[] Upper80,
    [property: Id(6)] double[] Lower95,
    [property: Id(7)] double[] Upper95,
    [property: Id(8)] ForecastComponentsDto? Components,
    [property: Id(9)] string? Problem = null,
    [property: Id(10)] string? ModelDevice = null);

/// <summary>How urgent a piece of model work is; the silo's scheduler serves higher first.</summary>
public enum WorkPriority { Background = 0, Clinician = 1, Crisis = 2 }

/// <summary>
/// The silo could not run the model in time (queue full, or the request's deadline passed while queued).
/// Nothing was computed; the caller may retry later. Gateways answer 503 with Retry-After.
/// </summary>
[GenerateSerializer]
public sealed class InferenceUnavailableException : Exception
{
    public InferenceUnavailableException(string message) : base(message) { }

    public InferenceUnavailableException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>
/// The cluster requires model workers on accelerator (GPU) silos and none is active: the call cannot be placed. A 503 with
/// this message, not a 500; silos' <c>/ready</c> reports the missing capability. Its message names no patient.
/// </summary>
[GenerateSerializer]
public sealed class AcceleratorUnavailableException : Exception
{
    public AcceleratorUnavailableException(string message) : base(message) { }

    public AcceleratorUnavailableException(string message, Exception? inner) : base(message, inner) { }
}
