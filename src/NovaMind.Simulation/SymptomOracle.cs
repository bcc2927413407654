using NovaMind.Domain.Observations;

namespace NovaMind.Simulation;

/// <summary>The oracle's predictive mean and SD of the observed value on origin + 1..Mean.Length days (index h − 1).</summary>
public sealed record OracleForecast(ObservationType Symptom, DateOnly Origin, double[] Mean, double[] Sd);

/// <summary>
/// The best achievable forecast of the simulator's own process (docs/forecast-simulator.md, "The oracle").
/// It knows the patient's parameters, the medication schedule and the true relapse regime path up to the origin,
/// and conditions on every reading emitted up to and including the origin day with an exact Kalman filter
/// (all seven types). Future regimes are integrated out with the Markov chain: the mean is the exact conditional
/// expectation (ignoring the rounding/clamping of the target to its range, and the information carried by the
/// missingness pattern itself), the SD the exact conditional SD of that mixture.
/// Knowing the regime path makes it a slight lower bound on achievable error, not an attainable one.
/// </summary>
public sealed class SymptomOracle
{
    private const int N = SymptomStateSpace.Dimension;
    private readonly SymptomSimulatedPatient _patient;
    private readonly SymptomSimulatorOptions _options;
    private readonly SymptomStateSpace _model;
    private readonly double[][] _filteredMean;
    private readonly double[][,] _filteredCov;

    public SymptomOracle(SymptomSimulatedPatient patient, SymptomSimulatorOptions options)
    {
        _patient = patient;
        _options = options;
        _model = new SymptomStateSpace(patient.Parameters, options);
        (_filteredMean, _filteredCov) = Filter();
    }

    /// <summary>Filtered E[x_t | readings ≤ t, regimes ≤ t] per emitted day t (for tests and models that want it).</summary>
    public IReadOnlyList<double> FilteredSeverity => _filteredMean.Select(x => x[SymptomStateSpace.Severity]).ToArray();

    public OracleForecast Forecast(DateOnly origin, ObservationType symptom, int maxHorizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHorizon, 1);
        var d = _patient.DayIndex(origin);
        if (d < 0 || d >= _patient.Days)
            throw new ArgumentOutOfRangeException(nameof(origin), origin, $"origin must be within {_patient.FirstDay}..{_patient.LastDay}");
        var h = _model.Loading(symptom);
        var r = _model.ObservationVariance(symptom);
        var m = (double[])_filteredMean[d].Clone();
        var p = (double[,])_filteredCov[d].Clone();

        var a = _options.RelapseOnsetPerDay;
        var b = _options.RelapseEndPerDay;
        var pi = a + b > 0 ? a / (a + b) : 0;
        var lambda = 1 - a - b;
        var r0 = _patient.RelapseWithBurnIn[_patient.BurnIn + d] ? 1.0 : 0.0;
        var gain = _model.RelapseGain;

        var q = new double[maxHorizon + 1]; // P(r_{t+k} = 1 | r_t)
        // propagated[k] = F^(step − k)·e_z: how a regime input on day t+k reaches the state on day t+step.
        var propagated = new List<double[]>(maxHorizon);
        var mean = new double[maxHorizon];
        var sd = new double[maxHorizon];
        for (var step = 1; step <= maxHorizon; step++)
        {
            q[step] = pi + (r0 - pi) * Math.Pow(lambda, step);
            m = _model.Transition(m);
            m[SymptomStateSpace.Severity] += gain * q[step];
            p = Propagate(p);
            for (var k = 0; k < propagated.Count; k++) propagated[k] = _model.Transition(propagated[k]);
            var unit = new double[N];
            unit[SymptomStateSpace.Severity] = 1;
            propagated.Add(unit);

            // Loadings s_k of the regime indicators r_{t+k} on the target.
            var s = new double[step + 1];
            for (var k = 1; k <= step; k++) s[k] = gain * Dot(h, propagated[k - 1]);
            var regimeVariance = 0.0;
            for (var j = 1; j <= step; j++)
            {
                regimeVariance += s[j] * s[j] * q[j] * (1 - q[j]);
                for (var k = j + 1; k <= step; k++)
                {
                    var cov = q[j] * (pi + (1 - pi) * Math.Pow(lambda, k - j)) - q[j] * q[k];
                    regimeVariance += 2 * s[j] * s[k] * cov;
                }
            }
            var day = origin.AddDays(step);
            mean[step - 1] = _model.Offset(symptom, day) + Dot(h, m);
            sd[step - 1] = Math.Sqrt(Quadratic(h, p) + r + Math.Max(0, regimeVariance));
        }
        return new OracleForecast(symptom, origin, mean, sd);
    }

    private (double[][], double[][,]) Filter()
    {
        var total = _patient.BurnIn + _patient.Days;
        var means = new double[_patient.Days][];
        var covs = new double[_patient.Days][,];
        // The simulation starts from x = 0 before the first burn-in day, so the state is known exactly there.
        var x = new double[N];
        var p = new double[N, N];
        var types = SymptomCohortSimulator.ObservationTypesEmitted;
        var loadings = types.Select(_model.Loading).ToArray();
        var variances = types.Select(_model.ObservationVariance).ToArray();
        for (var i = 0; i < total; i++)
        {
            x = _model.Transition(x);
            x[SymptomStateSpace.Severity] += _model.RelapseInput(_patient.RelapseWithBurnIn[i]);
            p = Propagate(p);
            if (i < _patient.BurnIn) continue;
            var d = i - _patient.BurnIn;
            var day = _patient.FirstDay.AddDays(d);
            for (var k = 0; k < types.Count; k++)
            {
                var y = _patient.Daily[types[k]][d];
                if (double.IsNaN(y)) continue;
                // Sequential scalar updates: the measurement noises are independent.
                var h = loadings[k];
                var ph = new double[N];
                for (var a = 0; a < N; a++)
                {
                    var s = 0.0;
                    for (var c = 0; c < N; c++) s += p[a, c] * h[c];
                    ph[a] = s;
                }
                var innovationVariance = Dot(h, ph) + variances[k];
                var innovation = y - _model.Offset(types[k], day) - Dot(h, x);
                for (var a = 0; a < N; a++) x[a] += ph[a] / innovationVariance * innovation;
                for (var a = 0; a < N; a++)
                    for (var c = 0; c < N; c++)
                        p[a, c] -= ph[a] * ph[c] / innovationVariance;
            }
            means[d] = (double[])x.Clone();
            covs[d] = (double[,])p.Clone();
        }
        return (means, covs);
    }

    private double[,] Propagate(double[,] p)
    {
        var f = _model.F;
        var fp = new double[N, N];
        for (var a = 0; a < N; a++)
            for (var c = 0; c < N; c++)
            {
                var s = 0.0;
                for (var k = 0; k < N; k++) s += f[a, k] * p[k, c];
                fp[a, c] = s;
            }
        var result = new double[N, N];
        for (var a = 0; a < N; a++)
            for (var c = 0; c < N; c++)
            {
                var s = 0.0;
                for (var k = 0; k < N; k++) s += fp[a, k] * f[c, k];
                result[a, c] = s;
            }
        for (var a = 0; a < N; a++) result[a, a] += _model.ProcessVariance[a];
        return result;
    }

    private static double Dot(double[] a, double[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static double Quadratic(double[] h, double[,] p)
    {
        var s = 0.0;
        for (var a = 0; a < N; a++)
            for (var c = 0; c < N; c++)
                s += h[a] * p[a, c] * h[c];
        return s;
    }
}
