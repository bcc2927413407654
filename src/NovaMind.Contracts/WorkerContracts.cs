namespace NovaMind.Contracts;

/// <summary>
/// Stateless forecasting worker: runs a scaled history window through the silo's batched forecaster.
/// </summary>
public interface IForecastWorkerGrain : IGrainWithIntegerKey
{
    Task<ForecastModelOutput> Forecast(float[] scaledHistory, float[] observedMask, WorkPriority priority);
}

/// <summary>Per-horizon Gaussian mean and scale, in the model's scaled units (0..1 of the type's range).</summary>
[GenerateSerializer, Immutable]
public sealed record ForecastModelOutput(
    [property: Id(0)] float[] Mean,
    [property: Id(1)] float[] Sigma,
    [property: Id(2)] string ModelVersion);

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
