using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using NovaMind.Ml.XGBoost;

namespace NovaMind.Ml.Forecasting;

/// <summary>The tuned booster hyperparameters (names as in XGBoost).</summary>
public sealed record XGBoostHyperparameters(int MaxDepth, double Eta, double MinChildWeight, double Subsample, double ColsampleByTree, double Lambda)
{
    /// <summary>A reasonable untuned starting point.</summary>
    public static XGBoostHyperparameters Default { get; } = new(4, 0.05, 5, 0.8, 0.8, 1);

    /// <summary>From a point of <see cref="XGBoostHyperparameterSearch.Space"/>.</summary>
    public static XGBoostHyperparameters FromSearchPoint(IReadOnlyDictionary<string, double> p) => new(
        (int)Math.Round(p["max_depth"]), p["eta"], p["min_child_weight"], p["subsample"], p["colsample_bytree"], p["lambda"]);
}

public sealed record XGBoostForecastOptions
{
    /// <summary>H: one booster per horizon 1 … H (at most 28; the dataset must have at least H target columns).</summary>
    public int MaxHorizon { get; init; } = 28;

    /// <summary>Cap on boosting rounds; early stopping usually ends sooner.</summary>
    public int MaxRounds { get; init; } = 600;

    public int EarlyStoppingRounds { get; init; } = 30;

    /// <summary><c>reg:squarederror</c> or <c>reg:pseudohubererror</c>.</summary>
    public string Objective { get; init; } = "reg:squarederror";

    public int Seed { get; init; } = 20261126;

    /// <summary>XGBoost threads; fixed so results do not depend on the machine.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Share of the origin-date span held out (after a gap of H days) for early stopping of the final boosters.</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Booster parameters for <paramref name="hp"/> (evaluation metric MAE, which early stopping watches).</summary>
    internal List<KeyValuePair<string, string>> Parameters(XGBoostHyperparameters hp) =>
    [
        new("objective", Objective),
        new("tree_method", "hist"),
        new("nthread", Threads.ToString(CultureInfo.InvariantCulture)),
        new("seed", Seed.ToString(CultureInfo.InvariantCulture)),
        new("max_depth", hp.MaxDepth.ToString(CultureInfo.InvariantCulture)),
        new("eta", F(hp.Eta)),
        new("min_child_weight", F(hp.MinChildWeight)),
        new("subsample", F(hp.Subsample)),
        new("colsample_bytree", F(hp.ColsampleByTree)),
        new("lambda", F(hp.Lambda)),
        new("eval_metric", "mae"),
        new("verbosity", "0"),
        // 1.7's default, stated: XGBoost 2.x would otherwise fit the intercept from the labels, and the same training
        // would give different boosters on the two library versions the binding supports.
        new("base_score", "0.5"),
    ];

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>What <see cref="XGBoostDirectForecaster.Save"/> writes next to the boosters (<c>forecaster.json</c>).</summary>
public sealed record XGBoostForecasterMetadata
{
    public required string Symptom { get; init; }
    public required IReadOnlyList<string> FeatureNames { get; init; }
    public required IReadOnlyList<int> Horizons { get; init; }
    public required IReadOnlyList<string> ModelFiles { get; init; }
    public required XGBoostHyperparameters Hyperparameters { get; init; }
    public required IReadOnlyList<int> BestIterations { get; init; }
    public required string Objective { get; init; }
    public required int Seed { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }

    internal static readonly JsonSerializerOptions Json = ModelArtifacts.Json;
}

/// <summary>
/// Direct multi-horizon forecaster: one XGBoost booster per horizon h = 1 … H, each predicting the symptom's
/// daily mean on t+h from <see cref="ForecastFeatures"/> at origin t. Prediction is thread-safe.
/// </summary>
public sealed class XGBoostDirectForecaster : IDisposable
{
    public const string MetadataFile = "forecaster.json";

    private readonly Booster[] _boosters;

    private XGBoostDirectForecaster(Booster[] boosters, XGBoostForecasterMetadata metadata)
    {
        _boosters = boosters;
        Metadata = metadata;
    }

    public XGBoostForecasterMetadata Metadata { get; }
    public int MaxHorizon => _boosters.Length;
    public IReadOnlyList<string> FeatureNames => Metadata.FeatureNames;
    public XGBoostHyperparameters Hyperparameters => Metadata.Hyperparameters;

    /// <summary>Per horizon (index h−1), the 0-based best boosting round found by early stopping.</summary>
    public IReadOnlyList<int> BestIterations => Metadata.BestIterations;

    /// <summary>
    /// Trains the H boosters on all of <paramref name="data"/>: origins in the last
    /// <see cref="XGBoostForecastOptions.ValidationFraction"/> of the date span (after an H-day gap) serve as the
    /// early-stopping set, the rest for fitting.
    /// </summary>
    public static XGBoostDirectForecaster Train(ForecastDataset data, XGBoostHyperparameters hyperparameters, XGBoostForecastOptions options, string symptom)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var split = RollingOriginFolds.Holdout(data.Origins, options.MaxHorizon, options.ValidationFraction);
        return Train(data, hyperparameters, options, symptom, split.TrainRows, split.ValidationRows);
    }

    /// <summary>Trains on explicit row sets (folds, tests); <paramref name="validationRows"/> drive early stopping.</summary>
    public static XGBoostDirectForecaster Train(
        ForecastDataset data, XGBoostHyperparameters hyperparameters, XGBoostForecastOptions options, string symptom,
        IReadOnlyList<int> trainRows, IReadOnlyList<int> validationRows)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxHorizon, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxHorizon, data.MaxHorizon);
        var boosters = new List<Booster>(options.MaxHorizon);
        try
        {
            for (var h = 1; h <= options.MaxHorizon; h++)
                boosters.Add(TrainHorizon(data, h, hyperparameters, options, trainRows, validationRows));
        }
        catch
        {
            foreach (var b in boosters) b.Dispose();
            throw;
        }
        var horizons = Enumerable.Range(1, options.MaxHorizon).ToArray();
        var metadata = new XGBoostForecasterMetadata
        {
            Symptom = symptom,
            FeatureNames = [.. ForecastFeatures.Names],
            Horizons = horizons,
            ModelFiles = [.. horizons.Select(FileName)],
            Hyperparameters = hyperparameters,
            BestIterations = [.. boosters.Select(b => b.BestIteration ?? b.BoostedRounds - 1)],
            Objective = options.Objective,
            Seed = options.Seed,
            TrainedAt = DateTimeOffset.UtcNow,
        };
        return new XGBoostDirectForecaster([.. boosters], metadata);
    }

    /// <summary>One horizon's booster, early-stopped on <paramref name="validationRows"/> (without a usable validation set: all rounds).</summary>
    internal static Booster TrainHorizon(
        ForecastDataset data, int horizon, XGBoostHyperparameters hp, XGBoostForecastOptions options,
        IReadOnlyList<int> trainRows, IReadOnlyList<int> validationRows)
    {
        var (x, y, n) = data.Slice(trainRows, horizon);
        if (n == 0) throw new ArgumentException($"no training rows with an observed target at horizon {horizon}", nameof(trainRows));
        using var train = new DMatrix(x, n, data.FeatureCount);
        train.SetLabels(y);
        var (vx, vy, vn) = data.Slice(validationRows, horizon);
        if (vn == 0) return Booster.Train(options.Parameters(hp), train, options.MaxRounds);
        using var validation = new DMatrix(vx, vn, data.FeatureCount);
        validation.SetLabels(vy);
        return Booster.Train(options.Parameters(hp), train, options.MaxRounds, validation, options.EarlyStoppingRounds);
    }

    /// <summary>Forecasts for horizons 1 … H (index h−1) from one feature vector.</summary>
    public float[] Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != FeatureNames.Count) throw new ArgumentException($"expected {FeatureNames.Count} features", nameof(features));
        return Predict(features, 1);
    }

    /// <summary>Forecasts for <paramref name="rows"/> feature vectors (row-major): <c>rows × H</c> values, row-major.</summary>
    public float[] Predict(ReadOnlySpan<float> rowMajor, int rows)
    {
        var cols = FeatureNames.Count;
        var result = new float[rows * MaxHorizon];
        for (var h = 0; h < MaxHorizon; h++)
        {
            var p = _boosters[h].Predict(rowMajor, rows, cols);
            for (var r = 0; r < rows; r++) result[r * MaxHorizon + h] = p[r];
        }
        return result;
    }

    /// <summary>Writes one UBJ model per horizon (<c>horizon_01.ubj</c> …) and <see cref="MetadataFile"/> into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        for (var h = 0; h < MaxHorizon; h++)
            File.WriteAllBytes(Path.Combine(directory, Metadata.ModelFiles[h]), _boosters[h].SaveModel(ModelFormat.Ubj));
        File.WriteAllText(Path.Combine(directory, MetadataFile), JsonSerializer.Serialize(Metadata, XGBoostForecasterMetadata.Json));
    }

    public static XGBoostDirectForecaster Load(string directory)
    {
        var metadata = JsonSerializer.Deserialize<XGBoostForecasterMetadata>(
            File.ReadAllText(Path.Combine(directory, MetadataFile)), XGBoostForecasterMetadata.Json)
            ?? throw new InvalidDataException($"{MetadataFile} is empty");
        if (!metadata.FeatureNames.SequenceEqual(ForecastFeatures.Names))
            throw new InvalidDataException("the model was trained on a different feature layout than this build computes");
        var boosters = new List<Booster>(metadata.ModelFiles.Count);
        try
        {
            foreach (var file in metadata.ModelFiles)
            {
                var booster = Booster.Load(File.ReadAllBytes(Path.Combine(directory, file)));
                boosters.Add(booster);
                // A saved model does not keep nthread, and 0 means every core: its OpenMP team then spins against
                // libtorch's on the same cores. Serving batches are small; one thread is fastest (docs/benchmarks.md).
                booster.SetParameter("nthread", "1");
            }
        }
        catch
        {
            foreach (var b in boosters) b.Dispose();
            throw;
        }
        return new XGBoostDirectForecaster([.. boosters], metadata);
    }

    public void Dispose()
    {
        foreach (var b in _boosters) b.Dispose();
    }

    private static string FileName(int horizon) => $"horizon_{horizon:D2}.ubj";
}
