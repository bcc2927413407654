namespace NovaMind.Domain.Forecasting;

/// <summary>Central prediction intervals from a Gaussian predictive distribution.</summary>
public static class PredictionInterval
{
    /// <summary>Standard normal quantiles: z(0.90) and z(0.975).</summary>
    public const double Z80 = 1.2815515655446004;
    public const double Z95 = 1.959963984540054;

    public static (double Lower, double Upper) Gaussian(double mean, double sigma, double z, double min, double max)
    {
        if (!(sigma >= 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma must be non-negative");
        return (Math.Clamp(mean - z * sigma, min, max), Math.Clamp(mean + z * sigma, min, max));
    }
}
