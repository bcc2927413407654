using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;
using MathNet.Numerics.Optimization;

namespace NovaMind.Domain.Forecasting;

/// <summary>Kernel and noise settings of a <see cref="GaussianProcess"/>, in the units of the targets it was given.</summary>
public sealed record GaussianProcessHyperparameters(IReadOnlyList<double> LengthScales, double SignalVariance, double NoiseVariance)
{
    public void Validate(int dimensions)
    {
        if (LengthScales.Count != dimensions) throw new ArgumentException($"need {dimensions} length scales, got {LengthScales.Count}");
        if (LengthScales.Any(l => !(l > 0) || !double.IsFinite(l))) throw new ArgumentException("length scales must be positive and finite");
        if (!(SignalVariance > 0) || !double.IsFinite(SignalVariance)) throw new ArgumentException("signal variance must be positive");
        if (!(NoiseVariance >= 0) || !double.IsFinite(NoiseVariance)) throw new ArgumentException("noise variance must be non-negative");
    }
}

/// <summary>
/// Gaussian-process regression with a constant mean, a Matérn 5/2 kernel with one length scale per input
/// dimension (ARD), and Gaussian observation noise:
/// <c>k(x,x') = σf² (1 + √5 r + 5r²/3) exp(−√5 r)</c>, <c>r² = Σ_d ((x_d − x'_d)/ℓ_d)²</c>, <c>y = m + f(x) + ε</c>, <c>ε ~ N(0, σn²)</c>.
/// </summary>
/// <remarks>
/// The constant mean m is not a free hyperparameter: for given kernel settings its maximum-likelihood value has the
/// closed form <c>m = 1ᵀK⁻¹y / 1ᵀK⁻¹1</c> (generalised least squares), so it is profiled out of every likelihood
/// evaluation. Predictions ignore m's own uncertainty, which is small next to σf² once there are a few points.
/// The covariance is factorised with MathNet's Cholesky; if round-off makes it indefinite, a growing jitter is added
/// to the diagonal (1e-10 σf², ×10 per retry) and recorded in <see cref="Jitter"/>.
/// </remarks>
public sealed class GaussianProcess
{
    private static readonly double Sqrt5 = Math.Sqrt(5);

    private readonly double[][] _x;
    private readonly double[] _alpha;   // K⁻¹(y − m)
    private readonly double[,] _lower;  // L with K = LLᵀ
    private readonly double[] _inverseLengthScales;

    public GaussianProcessHyperparameters Hyperparameters { get; }
    public double ConstantMean { get; }
    public double LogMarginalLikelihood { get; }
    public double Jitter { get; }
    public int Count => _x.Length;
    public int Dimensions { get; }

    /// <summary>Conditions the process on (x, y) with fixed hyperparameters.</summary>
    public GaussianProcess(IReadOnlyList<double[]> x, IReadOnlyList<double> y, GaussianProcessHyperparameters hyperparameters)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count == 0 || x.Count != y.Count) throw new ArgumentException("need one target per input and at least one input");
        Dimensions = x[0].Length;
        if (Dimensions == 0 || x.Any(p => p.Length != Dimensions)) throw new ArgumentException("all inputs need the same, non-zero, dimension");
        if (y.Any(v => !double.IsFinite(v))) throw new ArgumentException("targets must be finite");
        hyperparameters.Validate(Dimensions);

        Hyperparameters = hyperparameters;
        _x = x.Select(p => (double[])p.Clone()).ToArray();
        _inverseLengthScales = hyperparameters.LengthScales.Select(l => 1 / l).ToArray();
        var fit = Condition(SquaredDifferences(_x), y, _inverseLengthScales, hyperparameters.SignalVariance, hyperparameters.NoiseVariance)
                  ?? throw new InvalidOperationException("covariance matrix could not be factorised even with jitter");
        ConstantMean = fit.Mean;
        LogMarginalLikelihood = fit.LogLikelihood;
        Jitter = fit.Jitter;
        _alpha = fit.Alpha;
        _lower = fit.Lower.ToArray();
    }

    /// <summary>Matérn 5/2 correlation at scaled distance r.</summary>
    public static double Matern52(double r) => (1 + Sqrt5 * r + 5.0 / 3.0 * r * r) * Math.Exp(-Sqrt5 * r);

    /// <summary>
    /// Posterior of the latent function f at <paramref name="point"/>: mean (including the constant mean) and
    /// variance (without the observation noise; add <c>Hyperparameters.NoiseVariance</c> for a new observation).
    /// </summary>
    public (double Mean, double Variance) Predict(IReadOnlyList<double> point)
    {
        if (point.Count != Dimensions) throw new ArgumentException($"point needs {Dimensions} coordinates");
        var n = _x.Length;
        var k = new double[n];
        var sf2 = Hyperparameters.SignalVariance;
        for (var i = 0; i < n; i++)
        {
            double r2 = 0;
            var xi = _x[i];
            for (var d = 0; d < Dimensions; d++)
            {
                var t = (point[d] - xi[d]) * _inverseLengthScales[d];
                r2 += t * t;
            }
            k[i] = sf2 * Matern52(Math.Sqrt(r2));
        }
        double mean = ConstantMean;
        for (var i = 0; i < n; i++) mean += k[i] * _alpha[i];
        // v = L⁻¹k by forward substitution; var = k(x,x) − vᵀv.
        double vv = 0;
        for (var i = 0; i < n; i++)
        {
            var s = k[i];
            for (var j = 0; j < i; j++) s -= _lower[i, j] * k[j];
            k[i] = s / _lower[i, i];
            vv += k[i] * k[i];
        }
        return (mean, Math.Max(0, sf2 - vv));
    }

    /// <summary>
    /// Fits the hyperparameters by maximising the log marginal likelihood, then conditions on the data.
    /// </summary>
    /// <remarks>
    /// Expects targets on roughly unit scale (the optimiser standardises them). The search runs over
    /// θ = (log ℓ_1..log ℓ_d, log σf², log σn²) inside the box ℓ ∈ [0.01, 20], σf² ∈ [0.01, 100], σn² ∈ [1e-8, 1],
    /// with MathNet's Nelder–Mead simplex from several starts: a default (ℓ = 0.3, σf² = 1, σn² = 1e-4), the caller's
    /// warm start (the previous fit, so successive fits are cheap and stable) and <paramref name="randomStarts"/>
    /// draws from <paramref name="random"/>. Nelder–Mead is unconstrained, so the objective clamps θ into the box and adds a
    /// quadratic penalty for the distance outside it. The best point seen by any start wins, even if a start runs out of iterations.
    /// </remarks>
    public static GaussianProcess Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> y, Random random,
        GaussianProcessHyperparameters? warmStart = null, int randomStarts = 2, int maxIterationsPerStart = 250)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (x.Count == 0 || x.Count != y.Count) throw new ArgumentException("need one target per input and at least one input");
        var dims = x[0].Length;
        var squared = SquaredDifferences(x);
        var p = dims + 2;
        var lowerBound = new double[p];
        var upperBound = new double[p];
        for (var d = 0; d < dims; d++) { lowerBound[d] = Math.Log(0.01); upperBound[d] = Math.Log(20); }
        lowerBound[dims] = Math.Log(0.01); upperBound[dims] = Math.Log(100);
        lowerBound[dims + 1] = Math.Log(1e-8); upperBound[dims + 1] = Math.Log(1);

        var bestTheta = (double[]?)null;
        var bestValue = double.PositiveInfinity;
        double Objective(Vector<double> theta)
        {
            var clamped = new double[p];
            double penalty = 0;
            for (var i = 0; i < p; i++)
            {
                clamped[i] = Math.Clamp(theta[i], lowerBound[i], upperBound[i]);
                var outside = theta[i] - clamped[i];
                penalty += 100 * outside * outside;
            }
            var inverse = new double[dims];
            for (var d = 0; d < dims; d++) inverse[d] = Math.Exp(-clamped[d]);
            var fit = Condition(squared, y, inverse, Math.Exp(clamped[dims]), Math.Exp(clamped[dims + 1]));
            var value = fit is null ? 1e10 : -fit.LogLikelihood;
            if (value < bestValue) { bestValue = value; bestTheta = clamped; }
            return value + penalty;
        }

        var starts = new List<double[]>();
        var defaults = new double[p];
        for (var d = 0; d < dims; d++) defaults[d] = Math.Log(0.3);
        defaults[dims] = 0;
        defaults[dims + 1] = Math.Log(1e-4);
        starts.Add(defaults);
        if (warmStart is not null && warmStart.LengthScales.Count == dims)
            starts.Add([.. warmStart.LengthScales.Select(v => Math.Log(v)), Math.Log(warmStart.SignalVariance), Math.Log(Math.Max(warmStart.NoiseVariance, 1e-8))]);
        for (var s = 0; s < randomStarts; s++)
        {
            var start = new double[p];
            for (var d = 0; d < dims; d++) start[d] = Math.Log(0.05) + random.NextDouble() * (Math.Log(2) - Math.Log(0.05));
            start[dims] = Math.Log(0.3) + random.NextDouble() * (Math.Log(3) - Math.Log(0.3));
            start[dims + 1] = Math.Log(1e-6) + random.NextDouble() * (Math.Log(1e-2) - Math.Log(1e-6));
            starts.Add(start);
        }

        var objective = ObjectiveFunction.Value(Objective);
        var simplex = new NelderMeadSimplex(1e-6, maxIterationsPerStart);
        var perturbation = Vector<double>.Build.Dense(p, 0.5);
        foreach (var start in starts)
        {
            try { simplex.FindMinimum(objective, Vector<double>.Build.DenseOfArray(start), perturbation); }
            catch (MaximumIterationsException) { /* the best point seen so far is kept by the objective */ }
        }

        var best = bestTheta ?? defaults;
        return new GaussianProcess(x, y, new GaussianProcessHyperparameters(
            best.Take(dims).Select(v => Math.Exp(v)).ToArray(), Math.Exp(best[dims]), Math.Exp(best[dims + 1])));
    }

    private sealed record Conditioned(double Mean, double[] Alpha, Matrix<double> Lower, double LogLikelihood, double Jitter);

    private static double[][,] SquaredDifferences(IReadOnlyList<double[]> x)
    {
        var n = x.Count;
        var dims = x[0].Length;
        var result = new double[dims][,];
        for (var d = 0; d < dims; d++)
        {
            var m = new double[n, n];
            for (var i = 0; i < n; i++)
                for (var j = 0; j < i; j++)
                {
                    var t = x[i][d] - x[j][d];
                    m[i, j] = m[j, i] = t * t;
                }
            result[d] = m;
        }
        return result;
    }

    /// <summary>Factorises K, profiles the constant mean and evaluates the log marginal likelihood; null if K stays indefinite.</summary>
    private static Conditioned? Condition(double[][,] squared, IReadOnlyList<double> y, double[] inverseLengthScales, double sf2, double sn2)
    {
        var n = y.Count;
        var dims = inverseLengthScales.Length;
        var il2 = inverseLengthScales.Select(v => v * v).ToArray();
        var k = Matrix<double>.Build.Dense(n, n);
        for (var i = 0; i < n; i++)
        {
            k[i, i] = sf2 + sn2;
            for (var j = 0; j < i; j++)
            {
                double r2 = 0;
                for (var d = 0; d < dims; d++) r2 += squared[d][i, j] * il2[d];
                k[i, j] = k[j, i] = sf2 * Matern52(Math.Sqrt(r2));
            }
        }

        Cholesky<double>? cholesky = null;
        double jitter = 0;
        for (var attempt = 0; attempt < 8 && cholesky is null; attempt++)
        {
            try { cholesky = k.Cholesky(); }
            catch (ArgumentException)
            {
                var next = jitter == 0 ? 1e-10 * sf2 : jitter * 10;
                for (var i = 0; i < n; i++) k[i, i] += next - jitter;
                jitter = next;
            }
        }
        if (cholesky is null) return null;

        var yv = Vector<double>.Build.DenseOfEnumerable(y);
        var ones = Vector<double>.Build.Dense(n, 1.0);
        var kInvOnes = cholesky.Solve(ones);
        var mean = kInvOnes.DotProduct(yv) / kInvOnes.Sum();
        var residual = yv - mean;
        var alpha = cholesky.Solve(residual);
        var logLikelihood = -0.5 * residual.DotProduct(alpha) - 0.5 * cholesky.DeterminantLn - 0.5 * n * Math.Log(2 * Math.PI);
        if (!double.IsFinite(logLikelihood)) return null;
        return new Conditioned(mean, alpha.ToArray(), cholesky.Factor, logLikelihood, jitter);
    }
}
