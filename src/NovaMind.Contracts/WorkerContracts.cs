namespace NovaMind.Contracts;

/// <summary>
/// Stateless forecasting worker: runs a scaled history window through the silo's batched forecaster.
/// </summary>
public interface IForecastWorkerGrain : IGrainWithIntegerKey
{
    Task<ForecastModelOutput> Forecast(float[] scaledHistory, float[] observedMask);
}

/// <summary>Per-horizon Gaussian mean and scale, in the model's scaled units (0..1 of the type's range).</summary>
[GenerateSerializer, Immutable]
public sealed record ForecastModelOutput(
    [property: Id(0)] float[] Mean,
    [property: Id(1)] float[] Sigma,
    [property: Id(2)] string ModelVersion);
