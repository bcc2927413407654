using MathNet.Numerics.LinearAlgebra;

namespace NovaMind.Ml.Forecasting.Statistical;

/// <summary>Trend component of an additive-error exponential smoothing model.</summary>
public enum EtsTrend
{
    None,
    Additive,
    DampedAdditive,
}

/// <summary>One member of the additive-error ETS family (Hyndman et al. 2008): ETS(A, N|A|Ad, N|A) with period <see cref="Period"/>.</summary>
public sealed record EtsSpec(EtsTrend Trend, bool Seasonal, int Period = 7)
{
    public string Name => $"ETS(A,{Trend switch { EtsTrend.None => "N", EtsTrend.Additive => "A", _ => "Ad" }},{(Seasonal ? "A" : "N")})";

    public bool HasTrend => Trend != EtsTrend.None;

    /// <summary>The six additive-error variants AutoETS searches with additive components.</summary>
    public static IReadOnlyList<EtsSpec> Family(int period = 7) =>
    [
        new(EtsTrend.None, false, period), new(EtsTrend.Additive, false, period), new(EtsTrend.DampedAdditive, false, period),
        new(EtsTrend.None, true, period), new(EtsTrend.Additive, true, period), new(EtsTrend.DampedAdditive, true, period),
    ];
}

/// <summary>
/// Smoothing parameters and initial states. <see cref="InitialSeasonal"/> holds s[-1], s[-2], …, s[-m] (the state for the first
/// observation is s[-m]), the order statsmodels' ETSModel uses; in a fit s[-m] is fixed at 0 so the model is identified.
/// </summary>
public sealed record EtsParameters(double Alpha, double Beta, double Gamma, double Phi, double InitialLevel, double InitialTrend, double[] InitialSeasonal);

/// <summary>A fitted model: its parameters, log-likelihood, AICc, residual variance and final states, ready to forecast.</summary>
public sealed record EtsFit(EtsSpec Spec, EtsParameters Parameters, double LogLikelihood, double Aicc, double Sigma2, int Observations, int ParameterCount,
    double Level, double Trend, double[] SeasonalAhead)
{
    /// <summary>Point forecasts and their variances for horizons 1..<paramref name="horizon"/> after the last day of the series.</summary>
    public (double[] Mean, double[] Variance) Forecast(int horizon)
    {
        var p = Parameters;
        var m = Spec.Period;
        var mean = new double[horizon];
        var variance = new double[horizon];
        var phiSum = 0.0;
        var phiPower = 1.0;
        var cumulative = 0.0; // Σ c_j² for j < h
        for (var h = 1; h <= horizon; h++)
        {
            phiPower *= p.Phi;
            phiSum += Spec.HasTrend ? phiPower : 0;
            mean[h - 1] = Level + phiSum * Trend + (Spec.Seasonal ? SeasonalAhead[(h - 1) % m] : 0);
            variance[h - 1] = Sigma2 * (1 + cumulative);
            // c_h = α + β·(φ + … + φ^h) + γ·[h is a multiple of m]: the weight of today's error in the forecast h + 1 days ahead.
            var c = p.Alpha + (Spec.HasTrend ? p.Beta * phiSum : 0) + (Spec.Seasonal && h % m == 0 ? p.Gamma : 0);
            cumulative += c * c;
        }
        return (mean, variance);
    }
}

/// <summary>
/// Additive-error exponential smoothing in state-space form, fitted by maximum likelihood on one patient's daily series
/// (missing days are skipped: the states move on without an error). Written by hand because no served package has it;
/// checked against statsmodels' ETSModel (ADR 0020).
/// </summary>
public static class ExponentialSmoothing
{
    private const double Eps = 1e-4;

    /// <summary>
    /// Runs the recursions; returns the log-likelihood −n/2·(ln(2π·SSE/n) + 1) over the observed days, the number of observed
    /// days and the final states. The seasonal states come back in the order they apply to the next days.
    /// </summary>
    public static (double LogLikelihood, double Sse, int Observed, double Level, double Trend, double[] SeasonalAhead) Filter(
        EtsSpec spec, EtsParameters p, IReadOnlyList<double> y) => Filter(spec, p, y, errors: null);

    /// <summary>As above; also writes each day's one-step error into <paramref name="errors"/> (NaN for a missing day).</summary>
    private static (double LogLikelihood, double Sse, int Observed, double Level, double Trend, double[] SeasonalAhead) Filter(
        EtsSpec spec, EtsParameters p, IReadOnlyList<double> y, double[]? errors)
    {
        var m = spec.Period;
        var season = new double[m];
        if (spec.Seasonal)
            for (var t = 0; t < m; t++) season[t] = p.InitialSeasonal[m - 1 - t]; // position t mod m holds s_{t−m}
        var phi = spec.Trend == EtsTrend.DampedAdditive ? p.Phi : 1.0;
        var level = p.InitialLevel;
        var trend = spec.HasTrend ? p.InitialTrend : 0;
        var sse = 0.0;
        var n = 0;
        for (var t = 0; t < y.Count; t++)
        {
            var damped = phi * trend;
            var baseLevel = level + damped;
            var s = spec.Seasonal ? season[t % m] : 0;
            var e = double.IsNaN(y[t]) ? 0 : y[t] - (baseLevel + s);
            if (errors is not null) errors[t] = double.IsNaN(y[t]) ? double.NaN : e;
            if (!double.IsNaN(y[t]))
            {
                sse += e * e;
                n++;
            }
            level = baseLevel + p.Alpha * e;
            trend = spec.HasTrend ? damped + p.Beta * e : 0;
            if (spec.Seasonal) season[t % m] = s + p.Gamma * e;
        }
        var ahead = new double[m];
        for (var h = 0; h < m; h++) ahead[h] = season[(y.Count + h) % m];
        var logLikelihood = n == 0 ? double.NaN : -n / 2.0 * (Math.Log(2 * Math.PI * sse / n) + 1);
        return (logLikelihood, sse, n, level, trend, ahead);
    }

    /// <summary>Free parameters counted by AICc: smoothing parameters, initial level and trend, m − 1 seasonal states, and the variance.</summary>
    public static int ParameterCount(EtsSpec spec) =>
        1 + (spec.HasTrend ? 1 : 0) + (spec.Seasonal ? 1 : 0) + (spec.Trend == EtsTrend.DampedAdditive ? 1 : 0)
        + 1 + (spec.HasTrend ? 1 : 0) + (spec.Seasonal ? spec.Period - 1 : 0) + 1;

    public static double Aicc(double logLikelihood, int k, int n) =>
        n - k - 1 <= 0 ? double.PositiveInfinity : -2 * logLikelihood + 2 * k + 2.0 * k * (k + 1) / (n - k - 1);

    /// <summary>
    /// Maximum likelihood under the usual bounds (0 &lt; α &lt; 1, 0 &lt; β &lt; α, 0 &lt; γ &lt; 1 − α, 0.8 ≤ φ ≤ 0.98; searched as
    /// β* = β/α and γ* = γ/(1 − α), as statsmodels does). The initial states are concentrated out: for given smoothing
    /// parameters every one-step error is affine in them, so the states that minimise the squared errors — and so maximise
    /// the likelihood — are a small least-squares solution. The bounded quasi-Newton search then runs over at most four
    /// parameters, from a slow start, and for trended models (which can have a second mode near α = 1) also a fast one.
    /// </summary>
    public static EtsFit Fit(EtsSpec spec, IReadOnlyList<double> y)
    {
        if (!y.Any(v => !double.IsNaN(v))) throw new ArgumentException("the series has no observed value", nameof(y));
        if (BoundedSearch.IsConstant(y, out var value)) // the same score every day: that value, with no observed variation
            return Evaluate(new EtsSpec(EtsTrend.None, false, spec.Period), new EtsParameters(Eps, 0, 0, 1, value, 0, new double[spec.Period]), y);
        var lower = new List<double> { Eps };
        var upper = new List<double> { 1 - Eps };
        if (spec.HasTrend) { lower.Add(Eps); upper.Add(1 - Eps); }
        if (spec.Seasonal) { lower.Add(Eps); upper.Add(1 - Eps); }
        if (spec.Trend == EtsTrend.DampedAdditive) { lower.Add(0.8); upper.Add(0.98); }
        var low = Vector<double>.Build.DenseOfEnumerable(lower);
        var high = Vector<double>.Build.DenseOfEnumerable(upper);
        var workspace = new ConcentratedWorkspace(spec, y);

        EtsParameters Smoothing(Vector<double> x)
        {
            var i = 0;
            var alpha = x[i++];
            var beta = spec.HasTrend ? x[i++] * alpha : 0;
            var gamma = spec.Seasonal ? x[i++] * (1 - alpha) : 0;
            var phi = spec.Trend == EtsTrend.DampedAdditive ? x[i] : 1;
            return new EtsParameters(alpha, beta, gamma, phi, 0, 0, new double[spec.Period]);
        }

        double Objective(Vector<double> x)
        {
            var ll = Filter(spec, workspace.WithBestInitialStates(Smoothing(x)), y).LogLikelihood;
            return double.IsFinite(ll) ? -ll : 1e300;
        }
        EtsFit? best = null;
        foreach (var alpha in spec.HasTrend ? new[] { 0.1, 0.5 } : [0.1])
        {
            var start = Vector<double>.Build.Dense(lower.Count);
            var k = 0;
            start[k++] = alpha;
            if (spec.HasTrend) start[k++] = 0.1;
            if (spec.Seasonal) start[k++] = Math.Min(0.01 / (1 - alpha), 1 - Eps);
            if (spec.Trend == EtsTrend.DampedAdditive) start[k] = 0.98;
            var fit = Evaluate(spec, workspace.WithBestInitialStates(Smoothing(BoundedSearch.Minimize(Objective, low, high, start))), y);
            if (best is null || fit.LogLikelihood > best.LogLikelihood) best = fit;
        }
        return best!; // at least one start always runs
    }

    /// <summary>Buffers for <see cref="WithBestInitialStates"/>: the errors with zero initial states and each state's effect on them.</summary>
    private sealed class ConcentratedWorkspace(EtsSpec spec, IReadOnlyList<double> y)
    {
        private readonly int _states = 1 + (spec.HasTrend ? 1 : 0) + (spec.Seasonal ? spec.Period - 1 : 0);
        private readonly double[] _zeros = [.. y.Select(v => double.IsNaN(v) ? double.NaN : 0.0)];
        private readonly double[] _base = new double[y.Count];
        private readonly double[] _unit = new double[y.Count];
        private readonly double[] _columns = new double[y.Count * (1 + (spec.HasTrend ? 1 : 0) + (spec.Seasonal ? spec.Period - 1 : 0))];
        private readonly int _observed = y.Count(v => !double.IsNaN(v));

        /// <summary>The smoothing parameters with the least-squares initial states (level, trend, s[-1] … s[-m+1]; s[-m] = 0).</summary>
        public EtsParameters WithBestInitialStates(EtsParameters smoothing)
        {
            Filter(spec, smoothing, y, _base);
            for (var j = 0; j < _states; j++)
            {
                // With y = 0 and only state j at 1, the errors are −(that state's contribution to each forecast).
                Filter(spec, Unit(smoothing, j), _zeros, _unit);
                Array.Copy(_unit, 0, _columns, j * _unit.Length, _unit.Length);
            }
            // Normal equations of min Σ (e⁰_t + Σ_j u_tj x_j)²: (UᵀU) x = −Uᵀe⁰ (k ≤ 8 unknowns).
            var normal = Matrix<double>.Build.Dense(_states, _states);
            var right = Vector<double>.Build.Dense(_states);
            var n = _unit.Length;
            for (var j = 0; j < _states; j++)
            {
                for (var i = 0; i <= j; i++)
                {
                    var sum = 0.0;
                    for (var t = 0; t < n; t++) if (!double.IsNaN(_base[t])) sum += _columns[i * n + t] * _columns[j * n + t];
                    normal[i, j] = normal[j, i] = sum;
                }
                var r = 0.0;
                for (var t = 0; t < n; t++) if (!double.IsNaN(_base[t])) r -= _columns[j * n + t] * _base[t];
                right[j] = r;
            }
            if (_observed <= _states) return smoothing;
            // Cholesky when the states are identified (the usual case); SVD otherwise, giving the minimum-norm states.
            Vector<double> states;
            try { states = normal.Cholesky().Solve(right); }
            catch (ArgumentException) { states = normal.Svd().Solve(right); }
            if (states.Any(v => !double.IsFinite(v))) states = normal.Svd().Solve(right);
            return Unit(smoothing, -1, states);
        }

        private EtsParameters Unit(EtsParameters p, int j, Vector<double>? values = null)
        {
            double V(int i) => values is not null ? values[i] : i == j ? 1 : 0;
            var i = 0;
            var level = V(i++);
            var trend = spec.HasTrend ? V(i++) : 0;
            var seasonal = new double[spec.Period];
            if (spec.Seasonal) for (var s = 0; s < spec.Period - 1; s++) seasonal[s] = V(i++);
            return p with { InitialLevel = level, InitialTrend = trend, InitialSeasonal = seasonal };
        }
    }

    /// <summary>The fit record of given parameters (log-likelihood, AICc, σ², final states).</summary>
    public static EtsFit Evaluate(EtsSpec spec, EtsParameters parameters, IReadOnlyList<double> y)
    {
        var (ll, sse, n, level, trend, ahead) = Filter(spec, parameters, y);
        var k = ParameterCount(spec);
        return new EtsFit(spec, parameters, ll, Aicc(ll, k, n), sse / n, n, k, level, trend, ahead);
    }

    /// <summary>Fits every variant that the history supports and keeps the lowest AICc (as AutoETS does).</summary>
    public static EtsFit FitBest(IReadOnlyList<double> y, int period = 7)
    {
        var n = y.Count(v => !double.IsNaN(v));
        var candidates = EtsSpec.Family(period).Where(s => ParameterCount(s) + 2 <= n && (!s.Seasonal || n >= 2 * period)).ToList();
        if (candidates.Count == 0) throw new ArgumentException($"{n} observed days are too few for exponential smoothing", nameof(y));
        return candidates.Select(s => Fit(s, y)).MinBy(f => f.Aicc)!;
    }
}
