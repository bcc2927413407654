namespace NovaMind.Domain.Forecasting;

/// <summary>One evaluated point of a search.</summary>
public sealed record OptimizationTrial(int Index, IReadOnlyDictionary<string, double> Parameters, double Value);

/// <summary>Outcome of <see cref="BayesianOptimizer.Minimize"/>: the best trial and every trial in order.</summary>
public sealed record OptimizationResult(OptimizationTrial Best, IReadOnlyList<OptimizationTrial> History)
{
    public IReadOnlyDictionary<string, double> BestParameters => Best.Parameters;
    public double BestValue => Best.Value;
}

/// <summary>
/// Sequential (ask–tell) Bayesian optimisation of an expensive black-box function over a box of hyperparameters.
/// </summary>
/// <remarks>
/// <para>The first <c>initialRandomPoints</c> suggestions are a Latin-hypercube design over the unit box. After that,
/// each suggestion fits a <see cref="GaussianProcess"/> (Matérn 5/2, ARD, constant mean, noise; hyperparameters by
/// maximum marginal likelihood, warm-started from the previous fit) to the standardised observations on inputs mapped
/// to [0,1] (log scale for log-uniform dimensions, bin centres for integers), and returns the maximiser of
/// <see cref="ExpectedImprovement"/>: scored over random candidates plus perturbations of the best observed points,
/// with the best few refined by a compass (pattern) search inside the box. A point that was already evaluated is
/// never suggested again (the next-best candidate, else a random point, is taken).</para>
/// <para>Deterministic for a seed and a given sequence of Tell calls. Not thread-safe.</para>
/// </remarks>
public sealed class BayesianOptimizer
{
    private const int RandomCandidates = 2000;
    private const int LocalCandidatesPerIncumbent = 50;
    private const int Incumbents = 3;
    private const int Refinements = 3;

    private readonly SearchDimension[] _space;
    private readonly Random _random;
    private readonly int _initialRandomPoints;
    private readonly double[][] _design;
    private readonly List<double[]> _unitPoints = [];
    private readonly List<OptimizationTrial> _history = [];
    private GaussianProcessHyperparameters? _lastHyperparameters;
    private int _suggestions;

    public BayesianOptimizer(IReadOnlyList<SearchDimension> space, int seed, int initialRandomPoints = 5)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (space.Count == 0) throw new ArgumentException("the search space needs at least one dimension", nameof(space));
        if (space.Select(d => d.Name).Distinct(StringComparer.Ordinal).Count() != space.Count)
            throw new ArgumentException("dimension names must be unique", nameof(space));
        ArgumentOutOfRangeException.ThrowIfLessThan(initialRandomPoints, 1);
        _space = [.. space];
        _random = new Random(seed);
        _initialRandomPoints = initialRandomPoints;
        _design = LatinHypercube(initialRandomPoints, _space.Length, _random);
    }

    public IReadOnlyList<SearchDimension> Space => _space;
    public IReadOnlyList<OptimizationTrial> History => _history;
    public OptimizationTrial? Best => _history.Count == 0 ? null : _history.MinBy(t => t.Value);

    /// <summary>The surrogate behind the last model-based suggestion (inputs in unit coordinates, standardised targets).</summary>
    public GaussianProcess? Surrogate { get; private set; }

    /// <summary>The next point to evaluate.</summary>
    public IReadOnlyDictionary<string, double> Suggest()
    {
        if (_history.Count < _initialRandomPoints)
        {
            // Walk the design by suggestions made, so asking twice before telling gives two different points.
            var unit = _design[_suggestions++ % _design.Length];
            return ToParameters(Snap(unit));
        }
        _suggestions++;
        return ToParameters(SuggestByExpectedImprovement());
    }

    /// <summary>Records the value of <paramref name="parameters"/> (which need not have come from <see cref="Suggest"/>).</summary>
    public void Tell(IReadOnlyDictionary<string, double> parameters, double value)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "objective values must be finite");
        var unit = new double[_space.Length];
        for (var d = 0; d < _space.Length; d++)
        {
            if (!parameters.TryGetValue(_space[d].Name, out var v)) throw new ArgumentException($"missing parameter '{_space[d].Name}'", nameof(parameters));
            unit[d] = _space[d].ToUnit(v);
        }
        _unitPoints.Add(unit);
        // Keep the values as given (only the space's own dimensions), so the history shows exactly what was evaluated.
        var given = _space.ToDictionary(d => d.Name, d => parameters[d.Name], StringComparer.Ordinal);
        _history.Add(new OptimizationTrial(_history.Count, given, value));
    }

    /// <summary>Runs <paramref name="evaluations"/> suggest–evaluate–tell rounds (on top of anything told before).</summary>
    public OptimizationResult Minimize(Func<IReadOnlyDictionary<string, double>, double> objective, int evaluations)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentOutOfRangeException.ThrowIfLessThan(evaluations, 1);
        for (var i = 0; i < evaluations; i++)
        {
            var p = Suggest();
            Tell(p, objective(p));
        }
        return new OptimizationResult(Best!, [.. _history]);
    }

    /// <summary>Random search over the same space, for baselines: <paramref name="evaluations"/> independent uniform draws (in unit coordinates).</summary>
    public static OptimizationResult RandomSearch(IReadOnlyList<SearchDimension> space, Func<IReadOnlyDictionary<string, double>, double> objective, int evaluations, int seed)
    {
        var random = new Random(seed);
        var history = new List<OptimizationTrial>();
        for (var i = 0; i < evaluations; i++)
        {
            var p = space.ToDictionary(d => d.Name, d => d.FromUnit(random.NextDouble()), StringComparer.Ordinal);
            history.Add(new OptimizationTrial(i, p, objective(p)));
        }
        return new OptimizationResult(history.MinBy(t => t.Value)!, history);
    }

    private double[] SuggestByExpectedImprovement()
    {
        var dims = _space.Length;
        var values = _history.Select(t => t.Value).ToArray();
        var mean = values.Average();
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        if (!(sd > 1e-12)) sd = 1;
        var standardised = values.Select(v => (v - mean) / sd).ToArray();
        var gp = GaussianProcess.Fit(_unitPoints, standardised, _random, _lastHyperparameters);
        _lastHyperparameters = gp.Hyperparameters;
        Surrogate = gp;
        var best = standardised.Min();

        double Score(double[] u)
        {
            var (m, v) = gp.Predict(Snap(u));
            return ExpectedImprovement.Compute(m, Math.Sqrt(v), best);
        }

        var candidates = new List<double[]>(RandomCandidates + Incumbents * LocalCandidatesPerIncumbent);
        for (var c = 0; c < RandomCandidates; c++) candidates.Add(RandomUnit());
        foreach (var incumbent in Enumerable.Range(0, values.Length).OrderBy(i => values[i]).Take(Incumbents))
            for (var c = 0; c < LocalCandidatesPerIncumbent; c++)
            {
                var u = new double[dims];
                for (var d = 0; d < dims; d++) u[d] = Math.Clamp(_unitPoints[incumbent][d] + 0.05 * Gaussian(), 0, 1);
                candidates.Add(u);
            }

        var scored = candidates.Select(u => (Point: u, Score: Score(u))).OrderByDescending(s => s.Score).ToList();
        var refined = scored.Take(Refinements).Select(s => Refine(s.Point, s.Score, Score)).ToList();
        foreach (var (point, _) in refined.Concat(scored).OrderByDescending(s => s.Score))
        {
            var snapped = Snap(point);
            if (!AlreadyEvaluated(snapped)) return snapped;
        }
        return Snap(RandomUnit());
    }

    /// <summary>Compass search: try ±step along each axis, move on improvement, halve the step when none helps.</summary>
    private static (double[] Point, double Score) Refine(double[] start, double startScore, Func<double[], double> score)
    {
        var x = (double[])start.Clone();
        var fx = startScore;
        var step = 0.05;
        for (var evaluations = 0; step > 1e-4 && evaluations < 200;)
        {
            var improved = false;
            for (var d = 0; d < x.Length; d++)
                foreach (var sign in (ReadOnlySpan<double>)[1.0, -1.0])
                {
                    var y = (double[])x.Clone();
                    y[d] = Math.Clamp(y[d] + sign * step, 0, 1);
                    var fy = score(y);
                    evaluations++;
                    if (fy > fx) { x = y; fx = fy; improved = true; break; }
                }
            if (!improved) step /= 2;
        }
        return (x, fx);
    }

    private bool AlreadyEvaluated(double[] unit)
    {
        foreach (var p in _unitPoints)
        {
            var same = true;
            for (var d = 0; d < unit.Length && same; d++) same = Math.Abs(p[d] - unit[d]) < 1e-9;
            if (same) return true;
        }
        return false;
    }

    private double[] Snap(double[] unit)
    {
        var snapped = new double[unit.Length];
        for (var d = 0; d < unit.Length; d++) snapped[d] = _space[d].Snap(unit[d]);
        return snapped;
    }

    private IReadOnlyDictionary<string, double> ToParameters(double[] unit)
    {
        var p = new Dictionary<string, double>(_space.Length, StringComparer.Ordinal);
        for (var d = 0; d < _space.Length; d++) p[_space[d].Name] = _space[d].FromUnit(unit[d]);
        return p;
    }

    private double[] RandomUnit()
    {
        var u = new double[_space.Length];
        for (var d = 0; d < u.Length; d++) u[d] = _random.NextDouble();
        return u;
    }

    private double Gaussian()
    {
        // Box–Muller; 1 − U keeps the logarithm finite.
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>n points, one in each of n equal slices of every axis, slices paired at random across axes.</summary>
    private static double[][] LatinHypercube(int n, int dims, Random random)
    {
        var points = new double[n][];
        for (var i = 0; i < n; i++) points[i] = new double[dims];
        for (var d = 0; d < dims; d++)
        {
            var slices = Enumerable.Range(0, n).ToArray();
            random.Shuffle(slices);
            for (var i = 0; i < n; i++) points[i][d] = (slices[i] + random.NextDouble()) / n;
        }
        return points;
    }
}
