using MathNet.Numerics.LinearAlgebra;

namespace NovaMind.Ml.Forecasting.Statistical;

/// <summary>Orders of a stationary seasonal ARIMA(p, 0, q)(P, 0, Q)_m with a mean; each order is 0 or 1.</summary>
public sealed record SarimaSpec(int P, int Q, int SeasonalP, int SeasonalQ, int Period = 7)
{
    public string Name => $"SARIMA({P},0,{Q})({SeasonalP},0,{SeasonalQ}){Period}";

    public int Coefficients => P + Q + SeasonalP + SeasonalQ;

    /// <summary>Free parameters counted by AICc: the coefficients, the mean and the innovation variance.</summary>
    public int ParameterCount => Coefficients + 2;

    /// <summary>The 16 models with each order 0 or 1 searched by <see cref="SeasonalArima.FitBest"/>.</summary>
    public static IReadOnlyList<SarimaSpec> Family(int period = 7) =>
        [.. from p in new[] { 0, 1 } from q in new[] { 0, 1 } from sp in new[] { 0, 1 } from sq in new[] { 0, 1 } select new SarimaSpec(p, q, sp, sq, period)];
}

/// <summary>Coefficients φ, θ, Φ, Θ (0 where the order is 0), the mean μ and the innovation variance σ².</summary>
public sealed record SarimaParameters(double Ar, double Ma, double SeasonalAr, double SeasonalMa, double Mean, double Sigma2);

/// <summary>A fitted model with what forecasting needs: the filtered state and its covariance after the last day.</summary>
public sealed record SarimaFit(SarimaSpec Spec, SarimaParameters Parameters, double LogLikelihood, double Aicc, int Observations,
    double[] State, double[,] StateCovariance)
{
    /// <summary>Point forecasts and variances for horizons 1..<paramref name="horizon"/>.</summary>
    public (double[] Mean, double[] Variance) Forecast(int horizon)
    {
        var model = SeasonalArima.StateSpace(Spec, Parameters);
        var a = Vector<double>.Build.DenseOfArray(State);
        var p = Matrix<double>.Build.DenseOfArray(StateCovariance);
        var mean = new double[horizon];
        var variance = new double[horizon];
        for (var h = 0; h < horizon; h++) // State and StateCovariance already predict the first day after the series
        {
            mean[h] = Parameters.Mean + a[0];
            variance[h] = p[0, 0];
            a = model.T * a;
            p = model.T * p * model.T.Transpose() + model.Q;
        }
        return (mean, variance);
    }
}

/// <summary>
/// Seasonal ARIMA in state-space form (Harvey's representation), exact Gaussian likelihood by the Kalman filter from the
/// stationary initial covariance; missing days are skipped by the filter (prediction without update). Written by hand
/// (no served .NET package has it), checked against statsmodels' SARIMAX (ADR 0020).
/// </summary>
public static class SeasonalArima
{
    internal sealed record Model(Matrix<double> T, Matrix<double> Q, Matrix<double> P0);

    /// <summary>Transition T (companion form of the expanded AR polynomial), state noise σ²RRᵀ, stationary covariance P₀.</summary>
    internal static Model StateSpace(SarimaSpec spec, SarimaParameters p)
    {
        var m = spec.Period;
        // (1 − φB)(1 − ΦBᵐ) = 1 − φB − ΦBᵐ + φΦBᵐ⁺¹ ; (1 + θB)(1 + ΘBᵐ) = 1 + θB + ΘBᵐ + θΘBᵐ⁺¹
        var ar = new double[m + 2];
        ar[1] += p.Ar;
        ar[m] += p.SeasonalAr;
        ar[m + 1] -= p.Ar * p.SeasonalAr;
        var ma = new double[m + 2];
        ma[1] += p.Ma;
        ma[m] += p.SeasonalMa;
        ma[m + 1] += p.Ma * p.SeasonalMa;
        var arDegree = Degree(ar);
        var maDegree = Degree(ma);
        var r = Math.Max(arDegree, maDegree + 1);
        var t = Matrix<double>.Build.Dense(r, r);
        for (var i = 0; i < r; i++)
        {
            if (i + 1 < ar.Length) t[i, 0] = ar[i + 1];
            if (i + 1 < r) t[i, i + 1] = 1;
        }
        var rv = Vector<double>.Build.Dense(r);
        rv[0] = 1;
        for (var i = 1; i < r; i++) rv[i] = i < ma.Length ? ma[i] : 0;
        var q = rv.OuterProduct(rv) * p.Sigma2;
        // P₀ = T P₀ Tᵀ + Q: (I − T⊗T) vec(P₀) = vec(Q)
        var kron = t.KroneckerProduct(t);
        var system = Matrix<double>.Build.DenseIdentity(r * r) - kron;
        var vecQ = Vector<double>.Build.DenseOfArray(q.ToColumnMajorArray());
        var vecP = system.Solve(vecQ);
        var p0 = Matrix<double>.Build.Dense(r, r, vecP.ToArray());
        return new Model(t, q, p0);
    }

    private static int Degree(double[] coefficients)
    {
        for (var i = coefficients.Length - 1; i > 0; i--) if (coefficients[i] != 0) return i;
        return 0;
    }

    /// <summary>Exact log-likelihood of <paramref name="y"/> (NaN = missing day) and the predicted state for the day after the last.</summary>
    public static (double LogLikelihood, int Observed, Vector<double> State, Matrix<double> Covariance) Filter(SarimaSpec spec, SarimaParameters parameters, IReadOnlyList<double> y)
    {
        var (sumLogF, sumV2F, n, a, p) = Run(spec, parameters, y);
        var ll = -0.5 * (n * Math.Log(2 * Math.PI) + sumLogF + sumV2F);
        return (ll, n, a, p);
    }

    /// <summary>
    /// The Kalman recursions: Σ ln Fₜ, Σ vₜ²/Fₜ over observed days, and the state predicted for the day after the series.
    /// T is a companion matrix (first column the AR coefficients, ones above the diagonal) and Z picks the first state, so
    /// each step is O(r²) on plain arrays.
    /// </summary>
    private static (double SumLogF, double SumV2F, int Observed, Vector<double> State, Matrix<double> Covariance) Run(
        SarimaSpec spec, SarimaParameters parameters, IReadOnlyList<double> y)
    {
        var model = StateSpace(spec, parameters);
        var r = model.T.RowCount;
        var ar = new double[r];
        for (var i = 0; i < r; i++) ar[i] = model.T[i, 0];
        var q = model.Q.ToArray();
        var p = model.P0.ToArray();
        var tp = new double[r, r];
        var a = new double[r];
        var column = new double[r];
        double sumLogF = 0, sumV2F = 0;
        var n = 0;
        foreach (var value in y)
        {
            if (!double.IsNaN(value))
            {
                var f = p[0, 0];
                if (f <= 0 || !double.IsFinite(f)) return (double.NaN, double.NaN, n, Vector<double>.Build.DenseOfArray(a), Matrix<double>.Build.DenseOfArray(p));
                var v = value - parameters.Mean - a[0];
                sumLogF += Math.Log(f);
                sumV2F += v * v / f;
                n++;
                for (var i = 0; i < r; i++) column[i] = p[i, 0];
                for (var i = 0; i < r; i++)
                {
                    a[i] += column[i] * v / f; // filtered: a + P Zᵀ v / F, P − P Zᵀ Z P / F
                    for (var j = 0; j < r; j++) p[i, j] -= column[i] * column[j] / f;
                }
            }
            // Predict: a ← T a, P ← T P Tᵀ + Q.
            var a0 = a[0];
            for (var i = 0; i < r; i++) a[i] = ar[i] * a0 + (i + 1 < r ? a[i + 1] : 0);
            for (var i = 0; i < r; i++)
                for (var j = 0; j < r; j++) tp[i, j] = ar[i] * p[0, j] + (i + 1 < r ? p[i + 1, j] : 0);
            for (var i = 0; i < r; i++)
                for (var j = 0; j < r; j++) p[i, j] = tp[i, 0] * ar[j] + (j + 1 < r ? tp[i, j + 1] : 0) + q[i, j];
        }
        return (sumLogF, sumV2F, n, Vector<double>.Build.DenseOfArray(a), Matrix<double>.Build.DenseOfArray(p));
    }

    /// <summary>
    /// Maximum likelihood with σ² concentrated out (the likelihood at σ² = 1 gives σ̂² = Σ v²/F / n): a bounded quasi-Newton
    /// search over the coefficients (each in ±0.98, which keeps the factored polynomials stationary and invertible) and the mean.
    /// </summary>
    public static SarimaFit Fit(SarimaSpec spec, IReadOnlyList<double> y)
    {
        var observed = y.Where(v => !double.IsNaN(v)).ToArray();
        if (observed.Length < spec.ParameterCount + 2) throw new ArgumentException($"{observed.Length} observed days are too few for {spec.Name}", nameof(y));
        if (BoundedSearch.IsConstant(y, out var value)) // the same score every day: that value, with no observed variation
        {
            var flat = new SarimaParameters(0, 0, 0, 0, value, 0);
            var r = StateSpace(spec, flat).T.RowCount;
            return new SarimaFit(spec, flat, double.PositiveInfinity, double.NegativeInfinity, observed.Length, new double[r], new double[r, r]);
        }
        var mean = observed.Average();
        var spread = Math.Max(1e-6, observed.Max() - observed.Min());
        var lower = new List<double>();
        var upper = new List<double>();
        var start = new List<double>();
        for (var i = 0; i < spec.Coefficients; i++) { lower.Add(-0.98); upper.Add(0.98); start.Add(0.1); }
        lower.Add(mean - spread); upper.Add(mean + spread); start.Add(mean);

        SarimaParameters Unpack(Vector<double> x, double sigma2)
        {
            var i = 0;
            var ar = spec.P == 1 ? x[i++] : 0;
            var ma = spec.Q == 1 ? x[i++] : 0;
            var sar = spec.SeasonalP == 1 ? x[i++] : 0;
            var sma = spec.SeasonalQ == 1 ? x[i++] : 0;
            return new SarimaParameters(ar, ma, sar, sma, x[i], sigma2);
        }
        double Concentrated(Vector<double> x)
        {
            var (sumLogF, sumV2F, n, _, _) = Run(spec, Unpack(x, 1), y);
            if (!double.IsFinite(sumV2F) || n == 0) return 1e300;
            return 0.5 * (n * (Math.Log(2 * Math.PI) + 1 + Math.Log(sumV2F / n)) + sumLogF); // −log-likelihood
        }
        var best = BoundedSearch.Minimize(Concentrated, Vector<double>.Build.DenseOfEnumerable(lower), Vector<double>.Build.DenseOfEnumerable(upper),
            Vector<double>.Build.DenseOfEnumerable(start));
        var (_, sV2F, count, _, _) = Run(spec, Unpack(best, 1), y);
        return Condition(spec, Unpack(best, sV2F / count), y);
    }

    /// <summary>
    /// The model with fixed <paramref name="parameters"/> (fitted elsewhere) filtered through <paramref name="y"/>: its state
    /// after the last day, ready to forecast from there. A rolling-origin backtest fits once and conditions at each origin.
    /// </summary>
    public static SarimaFit Condition(SarimaSpec spec, SarimaParameters parameters, IReadOnlyList<double> y)
    {
        var (ll, obs, state, covariance) = Filter(spec, parameters, y);
        return new SarimaFit(spec, parameters, ll, ExponentialSmoothing.Aicc(ll, spec.ParameterCount, obs), obs, state.ToArray(), covariance.ToArray());
    }

    /// <summary>Fits the 16 models with orders 0 or 1 and keeps the lowest AICc.</summary>
    public static SarimaFit FitBest(IReadOnlyList<double> y, int period = 7) =>
        SarimaSpec.Family(period).Select(s => Fit(s, y)).Where(f => !double.IsNaN(f.Aicc) && f.Aicc != double.PositiveInfinity).MinBy(f => f.Aicc)
        ?? throw new ArgumentException("no seasonal ARIMA model could be fitted", nameof(y));
}
