namespace NovaMind.Ml.Forecasting;

/// <summary>
/// The small pieces of the ensemble pipeline that have known answers: the per-horizon weight search (pooled over
/// neighbouring horizons, shrunk toward a prior by cross-fitting), the naive baselines and the MASE scale. Day series are indexed by day with NaN where the symptom was not observed.
/// </summary>
public static class ForecastEnsembleMath
{
    /// <summary>
    /// Per-horizon simplex weights [Transformer, XGBoost, statistical] (rows × H arrays of each member's forecasts and the
    /// actuals): for horizon h the grid point with the lowest MAE over horizons h − r … h + r pooled, ties to the point
    /// nearest <paramref name="prior"/> (<see cref="Personalised.PersonalisedCombination.BestWeights"/>).
    /// </summary>
    public static double[][] PooledSimplexWeights(IReadOnlyList<double[]> t, IReadOnlyList<double[]> x, IReadOnlyList<double[]> s, IReadOnlyList<double[]> y,
        IReadOnlyList<double> prior, int radius = 1, double step = 0.05)
    {
        if (t.Count != x.Count || t.Count != s.Count || t.Count != y.Count || y.Count == 0) throw new ArgumentException("members and actuals must have the same, non-zero number of rows");
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        var horizons = y[0].Length;
        var weights = new double[horizons][];
        for (var h = 0; h < horizons; h++)
        {
            var points = new List<(double T, double X, double S, double Y)>();
            for (var k = Math.Max(0, h - radius); k <= Math.Min(horizons - 1, h + radius); k++)
                for (var r = 0; r < y.Count; r++)
                    if (!double.IsNaN(y[r][k])) points.Add((t[r][k], x[r][k], s[r][k], y[r][k]));
            weights[h] = points.Count == 0 ? [.. prior] : Personalised.PersonalisedCombination.BestWeights(points, prior, statistical: true, step).Weights;
        }
        return weights;
    }

    /// <summary>λ · prior + (1 − λ) · w_h for every horizon's weight vector.</summary>
    public static double[][] ShrinkSimplex(IReadOnlyList<double[]> weights, IReadOnlyList<double> prior, double lambda)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lambda, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lambda, 1);
        return [.. weights.Select(w => w.Select((v, m) => lambda * prior[m] + (1 - lambda) * v).ToArray())];
    }

    /// <summary>The mean over horizons of the per-horizon MAE of the weighted three-member combination (horizons without targets left out).</summary>
    public static double MeanMae(IReadOnlyList<double[]> t, IReadOnlyList<double[]> x, IReadOnlyList<double[]> s, IReadOnlyList<double[]> y, IReadOnlyList<double[]> weights)
    {
        var maes = new List<double>();
        for (var h = 0; h < weights.Count; h++)
        {
            double sum = 0;
            var n = 0;
            for (var r = 0; r < y.Count; r++)
            {
                if (double.IsNaN(y[r][h])) continue;
                sum += Math.Abs(Personalised.PersonalisedCombination.Combine(weights[h], t[r][h], x[r][h], s[r][h]) - y[r][h]);
                n++;
            }
            if (n > 0) maes.Add(sum / n);
        }
        return maes.Count == 0 ? double.NaN : maes.Average();
    }

    /// <summary>
    /// Chooses the shrinkage λ of <see cref="PooledSimplexWeights"/> toward <paramref name="prior"/> by cross-fitting over
    /// disjoint row sets (<paramref name="folds"/>, e.g. groups of validation patients): for each fold, weights fitted on
    /// the other folds' rows, shrunk by λ, are scored by <see cref="MeanMae"/> on the fold; a λ's score is the mean over
    /// folds. The lowest score wins; ties go to the larger λ. Returns λ and the score of each λ.
    /// </summary>
    public static (double Lambda, double[] Scores) ChooseSimplexShrinkage(IReadOnlyList<double[]> t, IReadOnlyList<double[]> x, IReadOnlyList<double[]> s,
        IReadOnlyList<double[]> y, IReadOnlyList<IReadOnlyList<int>> folds, IReadOnlyList<double> prior, IReadOnlyList<double> lambdas, int radius = 1, double step = 0.05)
    {
        if (folds.Count < 2 || folds.Any(f => f.Count == 0)) throw new ArgumentException("at least two folds, each with rows", nameof(folds));
        if (lambdas.Count == 0) throw new ArgumentException("no shrinkage candidates", nameof(lambdas));
        List<double[]> Rows(IReadOnlyList<double[]> m, IEnumerable<int> rows) => [.. rows.Select(r => m[r])];
        var scores = new double[lambdas.Count];
        for (var k = 0; k < folds.Count; k++)
        {
            var rest = folds.Where((_, j) => j != k).SelectMany(f => f).ToArray();
            var fitted = PooledSimplexWeights(Rows(t, rest), Rows(x, rest), Rows(s, rest), Rows(y, rest), prior, radius, step);
            var (ht, hx, hs, hy) = (Rows(t, folds[k]), Rows(x, folds[k]), Rows(s, folds[k]), Rows(y, folds[k]));
            for (var l = 0; l < lambdas.Count; l++) scores[l] += MeanMae(ht, hx, hs, hy, ShrinkSimplex(fitted, prior, lambdas[l])) / folds.Count;
        }
        return (BestLambda(lambdas, scores), scores);
    }

    /// <summary>The λ with the lowest cross-fitted score; ties go to the larger λ (when the data cannot tell, keep the prior).</summary>
    private static double BestLambda(IReadOnlyList<double> lambdas, double[] scores)
    {
        var best = -1;
        for (var l = 0; l < lambdas.Count; l++)
            if (best < 0 || scores[l] < scores[best] - 1e-12 || (Math.Abs(scores[l] - scores[best]) <= 1e-12 && lambdas[l] > lambdas[best])) best = l;
        return lambdas[best];
    }

    /// <summary>The last observed value on or before day <paramref name="day"/> (NaN when none).</summary>
    public static double LastObserved(IReadOnlyList<double> series, int day)
    {
        for (var d = Math.Min(day, series.Count - 1); d >= 0; d--)
            if (!double.IsNaN(series[d])) return series[d];
        return double.NaN;
    }

    /// <summary>
    /// Weekly seasonal naive forecast from origin t for horizon h: the value on the same weekday in the last observed
    /// week before the origin, day t + h − 7·⌈h/7⌉ (always ≤ t). If that day is missing, the last observed value
    /// on or before it.
    /// </summary>
    public static double SeasonalNaive(IReadOnlyList<double> series, int origin, int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        var day = origin + horizon - 7 * ((horizon + 6) / 7);
        return LastObserved(series, day);
    }

    /// <summary>
    /// MASE scale: the in-sample mean absolute weekly-seasonal difference |y_d − y_{d−7}| over days d &lt; <paramref name="end"/>
    /// with both days observed (NaN when there is no such pair).
    /// </summary>
    public static double MaseScale(IReadOnlyList<double> series, int end)
    {
        double sum = 0;
        var n = 0;
        for (var d = 7; d < Math.Min(end, series.Count); d++)
        {
            if (double.IsNaN(series[d]) || double.IsNaN(series[d - 7])) continue;
            sum += Math.Abs(series[d] - series[d - 7]);
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }
}
