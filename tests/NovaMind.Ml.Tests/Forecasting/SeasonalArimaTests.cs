using NovaMind.Ml.Forecasting.Statistical;

namespace NovaMind.Ml.Tests.Forecasting;

/// <summary>
/// The per-patient seasonal ARIMA member against statsmodels' SARIMAX (references from Reference/sarima_reference.py,
/// python3-statsmodels 0.13.5, on the series of <see cref="ExponentialSmoothingTests"/>).
/// </summary>
public sealed class SeasonalArimaTests
{
    private static double[] Series() => ExponentialSmoothingTests.Series();

    [Theory]
    [InlineData(1, 0, 1, 0, 0.3, 0.0, 0.5, 0.0, false, -112.6663449720616)]
    [InlineData(1, 0, 1, 0, 0.3, 0.0, 0.5, 0.0, true, -108.28171370791934)]
    [InlineData(1, 1, 1, 1, 0.3, -0.2, 0.5, 0.25, false, -114.96028633233003)]
    [InlineData(1, 1, 1, 1, 0.3, -0.2, 0.5, 0.25, true, -110.36045895714507)]
    public void Exact_log_likelihood_equals_statsmodels_with_and_without_missing_days(
        int p, int q, int sp, int sq, double ar, double ma, double sar, double sma, bool gaps, double reference)
    {
        var y = Series();
        if (gaps) y[10] = y[11] = y[40] = double.NaN;
        var (ll, _, _, _) = SeasonalArima.Filter(new SarimaSpec(p, q, sp, sq), new SarimaParameters(ar, ma, sar, sma, 5.0, 1.2), y);
        Assert.Equal(reference, ll, 1e-8);
    }

    [Theory]
    [InlineData(1, 0, 1, 0, -103.95713333034118, new[] { 6.263685, 7.031437, 6.601332 })]
    [InlineData(0, 1, 1, 0, -103.93404811779126, new[] { 6.275423, 7.008892, 6.585415 })]
    [InlineData(1, 0, 0, 1, -114.29386554213312, new[] { 6.014617, 6.232825, 5.762275 })]
    public void Maximum_likelihood_fit_matches_statsmodels(int p, int q, int sp, int sq, double reference, double[] forecast)
    {
        var fit = SeasonalArima.Fit(new SarimaSpec(p, q, sp, sq), Series());
        Assert.True(fit.LogLikelihood >= reference - 1e-6, $"{fit.LogLikelihood} < statsmodels' {reference}");
        Assert.Equal(reference, fit.LogLikelihood, 1e-4);
        var (mean, variance) = fit.Forecast(3);
        for (var h = 0; h < 3; h++) Assert.Equal(forecast[h], mean[h], 2e-3);
        Assert.True(variance[0] > 0 && variance[2] >= variance[0]);
    }

    [Fact]
    public void A_planted_seasonal_autoregression_is_recovered_and_selected()
    {
        // y_t − 5 = 0.6 (y_{t−7} − 5) + ε_t, 400 days, a tenth of them missing.
        var rng = new Random(3);
        var y = new double[400];
        for (var t = 0; t < y.Length; t++)
        {
            var e = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()) * 0.5;
            y[t] = 5 + (t >= 7 ? 0.6 * (y[t - 7] - 5) : 0) + e;
        }
        for (var t = 0; t < y.Length; t++) if (rng.NextDouble() < 0.1) y[t] = double.NaN;
        var fit = SeasonalArima.Fit(new SarimaSpec(0, 0, 1, 0), y);
        Assert.Equal(0.6, fit.Parameters.SeasonalAr, 0.1);
        Assert.Equal(5, fit.Parameters.Mean, 0.15);
        Assert.Equal(0.25, fit.Parameters.Sigma2, 0.05);
    }
}
