using System.Globalization;

namespace NovaMind.Ml.Forecasting.Personalised;

/// <summary>How far a patient's own backtest moves the ensemble away from the global weights and intervals.</summary>
public sealed record PersonalisationOptions
{
    /// <summary>Past origins the twin backtests the members at (fewer when the history is shorter).</summary>
    public int BacktestOrigins { get; init; } = 8;

    /// <summary>Days between backtest origins, counted back from the forecast origin.</summary>
    public int OriginSpacingDays { get; init; } = 7;

    /// <summary>
    /// Prior strength n₀, in backtest origins: a horizon group's weights are λ · global + (1 − λ) · the patient's best,
    /// λ = n₀ / (n₀ + origins scored in the group); the interval scale is shrunk toward 1 the same way. 8 was chosen on
    /// the training simulator's development seed (99) among 1, 2, 4, 8, 16: the lowest MAE for two of three symptoms and
    /// coverage nearest 80/95 % (docs/forecast-personalisation.md); never on the validation family.
    /// </summary>
    public double PriorOrigins { get; init; } = 8;

    /// <summary>Grid step of the weight simplex searched for the patient's best weights.</summary>
    public double WeightStep { get; init; } = 0.1;

    /// <summary>Horizon groups (last horizon of each) sharing one set of patient weights: neighbouring horizons' errors are alike.</summary>
    public IReadOnlyList<int> GroupEnds { get; init; } = [7, 14, 28];

    public double MinIntervalScale { get; init; } = 0.5;
    public double MaxIntervalScale { get; init; } = 3;

    /// <summary>Reads the options from configuration-bound values, refusing ones that would make the weights meaningless.</summary>
    public PersonalisationOptions Validated()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(BacktestOrigins);
        ArgumentOutOfRangeException.ThrowIfLessThan(OriginSpacingDays, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(PriorOrigins);
        if (WeightStep <= 0 || WeightStep > 1 || Math.Abs(1 / WeightStep - Math.Round(1 / WeightStep)) > 1e-9)
            throw new ArgumentOutOfRangeException(nameof(WeightStep), WeightStep, "the weight step must divide 1");
        if (GroupEnds.Count == 0 || GroupEnds[0] < 1 || GroupEnds.Zip(GroupEnds.Skip(1)).Any(p => p.Second <= p.First))
            throw new ArgumentException("horizon groups must be ascending and start at 1 or later", nameof(GroupEnds));
        if (MinIntervalScale <= 0 || MaxIntervalScale < MinIntervalScale) throw new ArgumentOutOfRangeException(nameof(MinIntervalScale));
        return this;
    }
}

/// <summary>The three members' forecasts for horizons 1..H at one origin; <see cref="Statistical"/> is null when it could not be fitted.</summary>
public sealed record MemberForecasts(double[] Transformer, double[] XGBoost, double[]? Statistical);

/// <summary>
/// One past origin of the patient's own rolling-origin backtest: what each member forecast there, what was then observed
/// (NaN where the day was not observed, or lies after the forecast origin) and the half-widths of the global 80 % and
/// 95 % intervals at each horizon for that origin.
/// </summary>
public sealed record BacktestOrigin(MemberForecasts Forecasts, double[] Actual, double[] GlobalHalfWidth80, double[] GlobalHalfWidth95);

/// <summary>One horizon group's personalisation: the patient's best weights, how far they were trusted, and backtest MAEs.</summary>
public sealed record GroupPersonalisation(int FirstHorizon, int LastHorizon, int Origins, int Points, double Shrinkage,
    double[] PatientWeights, IReadOnlyDictionary<string, double> BacktestMae);

/// <summary>
/// The weights used per horizon (each [Transformer, XGBoost, statistical], summing to 1), the global weights they started
/// from, per-group detail, the interval scales per level (× the global conformal half-widths; the backtest's own ratio
/// before shrinkage next to each) and a sentence saying why.
/// </summary>
public sealed record Personalisation(double[][] Weights, double[][] GlobalWeights, IReadOnlyList<GroupPersonalisation> Groups,
    double IntervalScale80, double IntervalScale95, double BacktestIntervalScale80, double BacktestIntervalScale95,
    int BacktestOrigins, int ScoredPoints, string Reason);

/// <summary>
/// Personalised ensemble weights and intervals from a patient's own backtest (issue 13). Per horizon group, the simplex
/// weights with the lowest backtest MAE on the patient's points are shrunk toward the global (learned) weights by
/// λ = n₀ / (n₀ + origins): with no history the global ensemble, with a long one mostly the patient's own. Each level's
/// interval scale is the conformal quantile at that level of the patient's backtest errors in units of the global
/// half-width at that level (1 for a patient like the calibration cohort), shrunk toward 1 in log space by the same rule
/// and clamped; the levels are scaled separately because heavy-tailed errors widen the 95 % interval more than the 80 %.
/// Pure arithmetic with known answers (PersonalisedCombinationTests).
/// </summary>
public static class PersonalisedCombination
{
    public static readonly string[] Members = ["transformer", "xgboost", "statistical"];

    public static double Combine(IReadOnlyList<double> w, double transformer, double xgboost, double statistical) =>
        w[0] * transformer + w[1] * xgboost + (w[2] == 0 ? 0 : w[2] * statistical);

    /// <summary>The weights with the statistical member's share moved onto the other two in proportion (it is not available).</summary>
    public static double[] WithoutStatistical(IReadOnlyList<double> w)
    {
        var rest = w[0] + w[1];
        return rest <= 0 ? [0.5, 0.5, 0] : [w[0] / rest, w[1] / rest, 0];
    }

    /// <summary>
    /// The grid point of the weight simplex (step <paramref name="step"/>) with the lowest mean absolute error over
    /// <paramref name="points"/> (T, X, S, y); the statistical weight stays 0 unless <paramref name="statistical"/>. Ties
    /// go to the point nearest <paramref name="prior"/>. Returns the weights and their MAE.
    /// </summary>
    public static (double[] Weights, double Mae) BestWeights(IReadOnlyList<(double T, double X, double S, double Y)> points,
        IReadOnlyList<double> prior, bool statistical, double step)
    {
        if (points.Count == 0) throw new ArgumentException("no backtest points", nameof(points));
        var steps = (int)Math.Round(1 / step);
        double[] best = [.. prior];
        var bestMae = double.PositiveInfinity;
        var bestDistance = double.PositiveInfinity;
        for (var i = 0; i <= steps; i++)
        for (var j = 0; i + j <= steps; j++)
        {
            var k = steps - i - j;
            if (!statistical && k != 0) continue;
            double[] w = [i / (double)steps, j / (double)steps, k / (double)steps];
            double sum = 0;
            foreach (var p in points) sum += Math.Abs(Combine(w, p.T, p.X, p.S) - p.Y);
            var mae = sum / points.Count;
            var distance = Math.Abs(w[0] - prior[0]) + Math.Abs(w[1] - prior[1]) + Math.Abs(w[2] - prior[2]);
            if (mae < bestMae - 1e-12 || (Math.Abs(mae - bestMae) <= 1e-12 && distance < bestDistance))
                (best, bestMae, bestDistance) = (w, mae, distance);
        }
        return (best, bestMae);
    }

    /// <summary>
    /// Personalises <paramref name="globalWeights"/> (per horizon 1..H, [T, X, S]) with <paramref name="backtest"/>.
    /// <paramref name="statistical"/>: whether the statistical member forecasts at the current origin (if not, its weight
    /// goes to the others and backtest points are scored without it).
    /// </summary>
    public static Personalisation Personalise(IReadOnlyList<double[]> globalWeights, IReadOnlyList<BacktestOrigin> backtest, bool statistical,
        PersonalisationOptions options)
    {
        var horizon = globalWeights.Count;
        var global = globalWeights.Select(w => statistical ? (double[])[.. w] : WithoutStatistical(w)).ToArray();
        var weights = global.Select(w => (double[])[.. w]).ToArray();
        // Origins the backtest can use: the statistical member must have forecast there if it is to be weighed.
        var usable = backtest.Where(b => !statistical || b.Forecasts.Statistical is not null).ToList();
        var groups = new List<GroupPersonalisation>();
        var first = 1;
        foreach (var end in options.GroupEnds.Select(e => Math.Min(e, horizon)).Distinct())
        {
            if (end < first) continue;
            var points = new List<(double T, double X, double S, double Y)>();
            var globalPoints = new List<double>();
            var origins = 0;
            foreach (var b in usable)
            {
                var scored = false;
                for (var h = first; h <= end; h++)
                {
                    var y = b.Actual[h - 1];
                    if (double.IsNaN(y)) continue;
                    var s = b.Forecasts.Statistical?[h - 1] ?? 0;
                    points.Add((b.Forecasts.Transformer[h - 1], b.Forecasts.XGBoost[h - 1], s, y));
                    globalPoints.Add(Math.Abs(Combine(global[h - 1], b.Forecasts.Transformer[h - 1], b.Forecasts.XGBoost[h - 1], s) - y));
                    scored = true;
                }
                if (scored) origins++;
            }
            if (points.Count > 0)
            {
                var prior = MeanWeights(global, first, end);
                var (best, bestMae) = BestWeights(points, prior, statistical, options.WeightStep);
                var lambda = options.PriorOrigins / (options.PriorOrigins + origins);
                for (var h = first; h <= end; h++)
                    weights[h - 1] = [.. Enumerable.Range(0, 3).Select(m => lambda * global[h - 1][m] + (1 - lambda) * best[m])];
                var mae = new Dictionary<string, double>
                {
                    ["transformer"] = points.Average(p => Math.Abs(p.T - p.Y)),
                    ["xgboost"] = points.Average(p => Math.Abs(p.X - p.Y)),
                    ["global_weights"] = globalPoints.Average(),
                    ["patient_best_weights"] = bestMae,
                };
                if (statistical) mae["statistical"] = points.Average(p => Math.Abs(p.S - p.Y));
                groups.Add(new GroupPersonalisation(first, end, origins, points.Count, lambda, best, mae));
            }
            first = end + 1;
        }

        // Interval scales: the patient's errors (with the weights now used) in units of the global half-width at each level.
        var (ratios80, ratios95) = (new List<double>(), new List<double>());
        foreach (var b in usable)
            for (var h = 1; h <= horizon; h++)
            {
                var y = b.Actual[h - 1];
                if (double.IsNaN(y) || !(b.GlobalHalfWidth80[h - 1] > 0) || !(b.GlobalHalfWidth95[h - 1] > 0)) continue;
                var error = Math.Abs(Combine(weights[h - 1], b.Forecasts.Transformer[h - 1], b.Forecasts.XGBoost[h - 1], b.Forecasts.Statistical?[h - 1] ?? 0) - y);
                ratios80.Add(error / b.GlobalHalfWidth80[h - 1]);
                ratios95.Add(error / b.GlobalHalfWidth95[h - 1]);
            }
        var backtestOrigins = usable.Count(b => b.Actual.Any(v => !double.IsNaN(v)));
        var scaleShrinkage = options.PriorOrigins / (options.PriorOrigins + backtestOrigins);
        (double Raw, double Scale) Scale(List<double> ratios, double level)
        {
            var raw = ratios.Count == 0 ? 1 : Math.Max(ConformalQuantile(ratios, level), 1e-6);
            return (raw, Math.Clamp(Math.Exp((1 - scaleShrinkage) * Math.Log(raw)), options.MinIntervalScale, options.MaxIntervalScale));
        }
        var (raw80, scale80) = Scale(ratios80, 0.8);
        var (raw95, scale95) = Scale(ratios95, 0.95);
        return new Personalisation(weights, global, groups, scale80, scale95, raw80, raw95, backtestOrigins, ratios80.Count,
            Reason(groups, scale80, scale95, raw80, raw95, backtestOrigins, statistical));
    }

    /// <summary>The ⌈(n + 1)·level⌉-th smallest value (the largest when that exceeds n): split-conformal's finite-sample quantile.</summary>
    public static double ConformalQuantile(IReadOnlyList<double> values, double level)
    {
        var sorted = values.Order().ToArray();
        var k = (int)Math.Ceiling((sorted.Length + 1) * level);
        return sorted[Math.Clamp(k, 1, sorted.Length) - 1];
    }

    private static double[] MeanWeights(double[][] weights, int first, int last) =>
        [.. Enumerable.Range(0, 3).Select(m => Enumerable.Range(first - 1, last - first + 1).Average(h => weights[h][m]))];

    private static string Reason(IReadOnlyList<GroupPersonalisation> groups, double scale80, double scale95, double raw80, double raw95, int origins, bool statistical)
    {
        static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        if (origins == 0)
            return "no backtest origin with a later observation yet: the global weights and intervals are used unchanged" +
                   (statistical ? "" : "; the statistical member could not be fitted, so its global weight went to the other two");
        var parts = groups.Select(g =>
            $"horizons {g.FirstHorizon}–{g.LastHorizon}: {g.Origins} origins, {F(100 * (1 - g.Shrinkage))} % of the way from the global weights to this patient's best " +
            $"({string.Join(", ", Members.Select((m, i) => $"{m} {F(g.PatientWeights[i])}"))}; backtest MAE {F(g.BacktestMae["patient_best_weights"])} vs {F(g.BacktestMae["global_weights"])} with the global weights)");
        return $"weights from this patient's own rolling-origin backtest ({origins} past origins), shrunk toward the global weights by n₀/(n₀ + origins): " +
               string.Join("; ", parts) +
               $". Intervals: 80 % × {F(scale80)}, 95 % × {F(scale95)} (this patient's backtest errors at those quantiles are × {F(raw80)} and × {F(raw95)} " +
               "the global half-widths, shrunk toward 1 the same way)" +
               (statistical ? "." : "; the statistical member could not be fitted, so its global weight went to the other two.");
    }
}
