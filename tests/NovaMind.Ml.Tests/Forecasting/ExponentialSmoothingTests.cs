using NovaMind.Ml.Forecasting.Statistical;

namespace NovaMind.Ml.Tests.Forecasting;

/// <summary>
/// The per-patient exponential smoothing member against statsmodels' ETSModel (references from
/// Reference/ets_reference.py, python3-statsmodels 0.13.5, on the same generated series).
/// </summary>
public sealed class ExponentialSmoothingTests
{
    /// <summary>84 days: y = 5 + 0.01 t + 1.5 sin(2πt/7) + 2(u − 0.5), u from a 32-bit LCG (seed 12345), as in the reference script.</summary>
    internal static double[] Series(int n = 84, uint seed = 12345)
    {
        var state = seed;
        var y = new double[n];
        for (var t = 0; t < n; t++)
        {
            state = unchecked(state * 1664525u + 1013904223u);
            y[t] = 5 + 0.01 * t + 1.5 * Math.Sin(2 * Math.PI * t / 7) + 2 * (state / 4294967296.0 - 0.5);
        }
        return y;
    }

    [Fact]
    public void Log_likelihood_at_given_parameters_equals_statsmodels()
    {
        var spec = new EtsSpec(EtsTrend.DampedAdditive, Seasonal: true);
        var parameters = new EtsParameters(0.3, 0.05, 0.1, 0.9, 5.0, 0.02, [1.0, -0.5, 0.25, 0.0, -1.25, 0.75, -0.25]);
        Assert.Equal(-136.24628037094251, ExponentialSmoothing.Filter(spec, parameters, Series()).LogLikelihood, 1e-9);
    }

    public static TheoryData<EtsTrend, bool, double, double[]> StatsmodelsFits => new()
    {
        { EtsTrend.None, false, -133.20722156525787, [5.490095, 5.490095, 5.490095] },
        // Two modes for the trended models: statsmodels' default start stops in the worse one (−133.372, −131.654 and, for
        // AAdA, −68.837); started at the optimum found here, it stays there, so these are its values at the better mode.
        { EtsTrend.Additive, false, -131.2213439311103, [5.935149, 5.945621, 5.956093] },
        { EtsTrend.DampedAdditive, false, -131.31898238560527, [5.81256, 5.81646, 5.820283] },
        { EtsTrend.None, true, -71.92863186030442, [5.906307, 7.07083, 7.498664] },
        { EtsTrend.Additive, true, -66.57892107813815, [5.971005, 7.147442, 7.586959] },
        { EtsTrend.DampedAdditive, true, -67.08248507634255, [5.822413, 6.990018, 7.421097] }, // also a better mode (default start: −68.837)
    };

    [Theory]
    [MemberData(nameof(StatsmodelsFits))]
    public void Maximum_likelihood_fit_matches_statsmodels(EtsTrend trend, bool seasonal, double referenceLogLikelihood, double[] referenceForecast)
    {
        var fit = ExponentialSmoothing.Fit(new EtsSpec(trend, seasonal), Series());
        Assert.True(fit.LogLikelihood >= referenceLogLikelihood - 1e-6, $"{fit.LogLikelihood} < statsmodels' {referenceLogLikelihood}");
        Assert.Equal(referenceLogLikelihood, fit.LogLikelihood, 1e-4);
        var (mean, _) = fit.Forecast(3);
        for (var h = 0; h < 3; h++) Assert.Equal(referenceForecast[h], mean[h], 2e-3);
    }

    [Fact]
    public void Selection_by_AICc_prefers_the_seasonal_model_on_a_weekly_series_and_its_intervals_widen_with_the_horizon()
    {
        var fit = ExponentialSmoothing.FitBest(Series());
        Assert.True(fit.Spec.Seasonal, fit.Spec.Name);
        // The series has a planted trend (0.01 a day): AAA (log-likelihood −66.58, 12 parameters) beats ANA (−71.93, 10).
        // Parameters are counted as R's ets and AutoETS do (m − 1 free seasonal states); statsmodels also counts the fixed
        // one (its AICc 164.358 for AAA is ours with k = 13).
        Assert.Equal("ETS(A,A,A)", fit.Spec.Name);
        Assert.Equal(12, fit.ParameterCount);
        Assert.Equal(-2 * fit.LogLikelihood + 2 * 12 + 2.0 * 12 * 13 / (84 - 12 - 1), fit.Aicc, 1e-9);
        Assert.Equal(164.3578421562763, ExponentialSmoothing.Aicc(-66.57892107813815, 13, 84), 1e-9);
        var (_, variance) = fit.Forecast(14);
        Assert.True(variance.Zip(variance.Skip(1)).All(p => p.Second >= p.First), "forecast variance must not shrink with the horizon");
        Assert.Equal(fit.Sigma2, variance[0], 1e-12);
    }

    [Fact]
    public void Missing_days_are_skipped_and_a_planted_weekly_pattern_is_forecast()
    {
        // A clean weekly pattern with every third day missing: the forecast recovers the pattern.
        var pattern = new[] { 3.0, 4, 6, 5, 4, 2, 1 };
        var y = Enumerable.Range(0, 70).Select(t => t % 3 == 1 ? double.NaN : 5 + pattern[t % 7] + 0.01 * Math.Sin(t)).ToArray();
        var fit = ExponentialSmoothing.Fit(new EtsSpec(EtsTrend.None, Seasonal: true), y);
        Assert.Equal(70 - 23, fit.Observations);
        var (mean, _) = fit.Forecast(7);
        for (var h = 0; h < 7; h++) Assert.Equal(5 + pattern[(70 + h) % 7], mean[h], 0.05);
    }
}
