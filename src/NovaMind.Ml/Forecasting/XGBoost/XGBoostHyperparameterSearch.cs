using System.Diagnostics;
using NovaMind.Domain.Forecasting;

namespace NovaMind.Ml.Forecasting;

public sealed record XGBoostSearchOptions
{
    /// <summary>Evaluations of the objective (each trains Folds × TuningHorizons boosters).</summary>
    public int Evaluations { get; init; } = 25;

    /// <summary>Latin-hypercube points before the Gaussian-process surrogate takes over.</summary>
    public int InitialRandomPoints { get; init; } = 6;

    public int Folds { get; init; } = 3;

    /// <summary>Share of the origin-date span that the folds validate on.</summary>
    public double ValidationFraction { get; init; } = 0.4;

    /// <summary>
    /// Horizons whose validation MAE is averaged into the objective (one hyperparameter set serves every horizon;
    /// tuning on a representative few keeps the search affordable). Null: 1, 7, 14, 28 where ≤ H.
    /// </summary>
    public IReadOnlyList<int>? TuningHorizons { get; init; }

    public int Seed { get; init; } = 20261126;

    public static XGBoostSearchOptions Quick { get; } = new() { Evaluations = 8, InitialRandomPoints = 4 };
}

/// <summary>What a search evaluated and chose.</summary>
public sealed record XGBoostSearchResult(
    XGBoostHyperparameters Best,
    double BestScore,
    IReadOnlyList<OptimizationTrial> Trials,
    IReadOnlyList<int> TuningHorizons,
    int Folds,
    int BoostersTrained,
    TimeSpan Elapsed);

/// <summary>
/// Bayesian optimisation (<see cref="BayesianOptimizer"/>: Gaussian-process surrogate, expected improvement) of the
/// booster hyperparameters, scoring mean validation MAE over <see cref="RollingOriginFolds"/> (gap = H days) and the
/// tuning horizons. Each booster is early-stopped on its fold's validation block, as <c>xgboost.cv</c> does.
/// Deterministic for a seed (fixed thread count, hist trees, seeded sampling).
/// </summary>
public static class XGBoostHyperparameterSearch
{
    public static IReadOnlyList<SearchDimension> Space { get; } =
    [
        SearchDimension.Integer("max_depth", 2, 8),
        SearchDimension.LogUniform("eta", 0.01, 0.3),
        SearchDimension.LogUniform("min_child_weight", 1, 20),
        SearchDimension.Continuous("subsample", 0.5, 1),
        SearchDimension.Continuous("colsample_bytree", 0.5, 1),
        SearchDimension.LogUniform("lambda", 0.1, 10),
    ];

    public static XGBoostSearchResult Run(ForecastDataset data, XGBoostForecastOptions options, XGBoostSearchOptions search, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(search);
        ArgumentOutOfRangeException.ThrowIfLessThan(search.Evaluations, 1);
        var stopwatch = Stopwatch.StartNew();
        var horizons = (search.TuningHorizons ?? [1, 7, 14, 28]).Where(h => h >= 1 && h <= options.MaxHorizon).Distinct().Order().ToArray();
        if (horizons.Length == 0) horizons = [options.MaxHorizon];
        var folds = RollingOriginFolds.Create(data.Origins, search.Folds, options.MaxHorizon, search.ValidationFraction);
        var trained = 0;

        double Objective(IReadOnlyDictionary<string, double> point)
        {
            var hp = XGBoostHyperparameters.FromSearchPoint(point);
            double total = 0;
            var terms = 0;
            foreach (var fold in folds)
            foreach (var h in horizons)
            {
                var (vx, vy, vn) = data.Slice(fold.ValidationRows, h);
                if (vn == 0) continue;
                using var booster = XGBoostDirectForecaster.TrainHorizon(data, h, hp, options, fold.TrainRows, fold.ValidationRows);
                trained++;
                var p = booster.Predict(vx, vn, data.FeatureCount);
                double mae = 0;
                for (var i = 0; i < vn; i++) mae += Math.Abs(p[i] - vy[i]);
                total += mae / vn;
                terms++;
            }
            if (terms == 0) throw new InvalidOperationException("no fold has validation targets at the tuning horizons");
            var score = total / terms;
            progress?.Invoke($"trial: {hp} → mean validation MAE {score:F4}");
            return score;
        }

        var optimizer = new BayesianOptimizer(Space, search.Seed, Math.Min(search.InitialRandomPoints, search.Evaluations));
        var result = optimizer.Minimize(Objective, search.Evaluations);
        return new XGBoostSearchResult(
            XGBoostHyperparameters.FromSearchPoint(result.BestParameters), result.BestValue, result.History,
            horizons, folds.Count, trained, stopwatch.Elapsed);
    }

    /// <summary>Search, then train the H final boosters on all of <paramref name="data"/> with the best hyperparameters.</summary>
    public static (XGBoostDirectForecaster Forecaster, XGBoostSearchResult Search) TuneAndTrain(
        ForecastDataset data, XGBoostForecastOptions options, XGBoostSearchOptions search, string symptom, Action<string>? progress = null)
    {
        var result = Run(data, options, search, progress);
        return (XGBoostDirectForecaster.Train(data, result.Best, options, symptom), result);
    }
}
