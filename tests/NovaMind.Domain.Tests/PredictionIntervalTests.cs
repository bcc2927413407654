using NovaMind.Domain.Forecasting;

namespace NovaMind.Domain.Tests;

public class PredictionIntervalTests
{
    /// <summary>erf by its Maclaurin series; accurate to ~1e-15 for |x| ≤ 2, which is all this test needs.</summary>
    private static double Erf(double x)
    {
        double sum = 0, term = x; // term = (−1)^n x^(2n+1) / n!
        for (var n = 0; n < 200 && Math.Abs(term) > 1e-18; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>Standard normal CDF: Φ(z) = ½(1 + erf(z/√2)).</summary>
    private static double Phi(double z) => 0.5 * (1 + Erf(z / Math.Sqrt(2)));

    [Fact]
    public void ErfHelper_MatchesKnownValues()
    {
        // Reference values (Abramowitz & Stegun, table 7.1 / high-precision tables).
        Assert.Equal(0.8427007929497149, Erf(1), 1e-14);
        Assert.Equal(0.5204998778130465, Erf(0.5), 1e-14);
        Assert.Equal(0.9953222650189527, Erf(2), 1e-13);
        Assert.Equal(0.975, Phi(1.959963984540054), 1e-13);
    }

    [Fact]
    public void Z80_IsTheNinetiethPercentileOfTheStandardNormal()
    {
        Assert.Equal(1.2815515655446004, PredictionInterval.Z80);
        Assert.Equal(0.90, Phi(PredictionInterval.Z80), 1e-13);
        // The central interval ±z covers 80 %.
        Assert.Equal(0.80, Phi(PredictionInterval.Z80) - Phi(-PredictionInterval.Z80), 1e-13);
    }

    [Fact]
    public void Z95_IsThe975thPermilleOfTheStandardNormal()
    {
        Assert.Equal(1.959963984540054, PredictionInterval.Z95);
        Assert.Equal(0.975, Phi(PredictionInterval.Z95), 1e-13);
        Assert.Equal(0.95, Phi(PredictionInterval.Z95) - Phi(-PredictionInterval.Z95), 1e-13);
    }

    [Fact]
    public void Gaussian_IsMeanPlusMinusZSigma_InsideTheRange()
    {
        var (lower, upper) = PredictionInterval.Gaussian(5, 1, PredictionInterval.Z95, 0, 10);

        Assert.Equal(5 - 1.959963984540054, lower, 1e-12);
        Assert.Equal(5 + 1.959963984540054, upper, 1e-12);
    }

    [Fact]
    public void Gaussian_IsClampedToTheRange()
    {
        Assert.Equal((8.0, 10.0), PredictionInterval.Gaussian(9, 1, 1, 0, 10));
        Assert.Equal((0.0, 1.5), PredictionInterval.Gaussian(0.5, 1, 1, 0, 10));
        Assert.Equal((0.0, 10.0), PredictionInterval.Gaussian(5, 100, PredictionInterval.Z80, 0, 10));
        // A mean outside the range gives a degenerate interval at the bound.
        Assert.Equal((10.0, 10.0), PredictionInterval.Gaussian(12, 0.5, 1, 0, 10));
    }

    [Fact]
    public void Gaussian_ZeroSigma_IsThePoint()
    {
        Assert.Equal((3.0, 3.0), PredictionInterval.Gaussian(3, 0, PredictionInterval.Z95, 0, 10));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void Gaussian_InvalidSigma_Throws(double sigma)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PredictionInterval.Gaussian(5, sigma, 1, 0, 10));
        Assert.Equal("sigma", ex.ParamName);
    }
}
