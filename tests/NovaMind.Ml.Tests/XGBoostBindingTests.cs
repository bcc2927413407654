using NovaMind.Ml.XGBoost;

namespace NovaMind.Ml.Tests;

public class XGBoostBindingTests
{
    [Fact]
    public void LoadsASupportedLibrary()
    {
        // 1.7.x (Debian 12, what the tests run on) or 2.x (Ubuntu 24.04 and CUDA bases): the C API calls used are the same
        // in both (docs/decisions/0002-xgboost-binding.md).
        var version = XGBoostLibrary.Version;
        Assert.True(version >= new Version(1, 7) && version.Major <= 2, $"unsupported libxgboost {version}");
    }

    [Fact]
    public void DMatrixReportsShape()
    {
        using var m = new DMatrix(new float[] { 1, 2, 3, 4, 5, 6 }, rows: 3, cols: 2);
        Assert.Equal(3, m.Rows);
        Assert.Equal(2, m.Cols);
        Assert.Throws<ArgumentException>(() => m.SetLabels(new float[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => m.SetWeights(new float[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => new DMatrix(new float[5], rows: 3, cols: 2));
    }

    // 1. Planted function: the model must recover y = 3*x0 - 2*x1 from noisy samples.
    [Fact]
    public void LearnsPlantedLinearFunction()
    {
        const int rows = 2000, trainRows = 1500, cols = 2;
        var random = new Random(20240601);
        var x = new float[rows * cols];
        var y = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            var x0 = (float)(random.NextDouble() * 2 - 1);
            var x1 = (float)(random.NextDouble() * 2 - 1);
            x[i * cols] = x0;
            x[i * cols + 1] = x1;
            y[i] = 3 * x0 - 2 * x1 + (float)(0.1 * Gaussian(random));
        }

        using var train = new DMatrix(x.AsSpan(0, trainRows * cols), trainRows, cols);
        train.SetLabels(y.AsSpan(0, trainRows));
        using var booster = Booster.Train(
            [new("objective", "reg:squarederror"), new("max_depth", "4"), new("eta", "0.1"), new("nthread", "1")],
            train,
            rounds: 100);

        Assert.Equal(100, booster.BoostedRounds);
        Assert.Null(booster.BestIteration);

        var testX = x.AsSpan(trainRows * cols);
        var testY = y.AsSpan(trainRows);
        var predictions = booster.Predict(testX, rows - trainRows, cols);
        Assert.Equal(rows - trainRows, predictions.Length);

        var trainMean = y.AsSpan(0, trainRows).ToArray().Average();
        var rmse = Rmse(predictions, testY);
        var meanRmse = Rmse(Enumerable.Repeat(trainMean, testY.Length).ToArray(), testY);
        Assert.True(rmse < 0.3, $"test RMSE {rmse}");
        Assert.True(rmse < 0.15 * meanRmse, $"test RMSE {rmse} vs predict-the-mean RMSE {meanRmse}");
    }

    // 2. Round trip: a saved and reloaded model predicts bit-for-bit the same.
    [Theory]
    [InlineData(ModelFormat.Ubj)]
    [InlineData(ModelFormat.Json)]
    public void SaveAndLoadPreservesPredictionsExactly(ModelFormat format)
    {
        var (x, y) = Lcg.Make(200, seed: 7);
        using var train = new DMatrix(x, 200, 2);
        train.SetLabels(y);
        using var original = Booster.Train(
            [new("objective", "reg:squarederror"), new("max_depth", "3"), new("eta", "0.3"), new("nthread", "1")],
            train,
            rounds: 20);

        var bytes = original.SaveModel(format);
        Assert.NotEmpty(bytes);
        using var loaded = Booster.Load(bytes);

        Assert.Equal(20, loaded.BoostedRounds);
        var (probe, _) = Lcg.Make(50, seed: 8);
        var expected = original.Predict(probe, 50, 2);
        var actual = loaded.Predict(probe, 50, 2);
        Assert.Equal(Bits(expected), Bits(actual));
        Assert.True(expected.Distinct().Count() > 5, "model should not be constant");
    }

    // 3. Exact reference: one stump on a step function. With squared error, g = base - y and h = 1,
    // so each leaf is eta * sum(y - base) / (n + lambda) and the prediction is base + leaf.
    // Verified with python3-xgboost 1.7.4 on the same data and parameters: the stump splits at
    // f0 < 0.475 and inplace_predict([[.1], [.9], [.45], [.5]]) gives [1, 5, 1, 5], [0.5, 2.5, 0.5, 2.5]
    // and [0.9090909, 4.5454545, 0.9090909, 4.5454545] for the three cases below.
    [Theory]
    [InlineData("1", "0", 1.0f, 5.0f)]
    [InlineData("0.5", "0", 0.5f, 2.5f)]
    [InlineData("1", "1", 10f / 11f, 50f / 11f)] // 10 rows per side: 10/(10+1) and 50/(10+1)
    public void StumpOnStepFunctionGivesExactLeafValues(string eta, string lambda, float low, float high)
    {
        // x = 0, 0.05, ..., 0.95; y = 1 below 0.5 and 5 from 0.5 on.
        var x = Enumerable.Range(0, 20).Select(i => i / 20f).ToArray();
        var y = x.Select(v => v < 0.5f ? 1f : 5f).ToArray();
        using var train = new DMatrix(x, 20, 1);
        train.SetLabels(y);
        using var booster = Booster.Train(
            [
                new("objective", "reg:squarederror"), new("base_score", "0"), new("max_depth", "1"),
                new("eta", eta), new("lambda", lambda), new("min_child_weight", "0"),
            ],
            train,
            rounds: 1);

        var predictions = booster.Predict(new[] { 0.1f, 0.9f, 0.45f, 0.5f }, 4, 1);
        Assert.Equal(low, predictions[0], 1e-5f);
        Assert.Equal(high, predictions[1], 1e-5f);
        Assert.Equal(low, predictions[2], 1e-5f);
        Assert.Equal(high, predictions[3], 1e-5f);
    }

    [Fact]
    public void ConcurrentPredictionsMatchSerialOnes()
    {
        var (x, y) = Lcg.Make(300, seed: 11);
        using var train = new DMatrix(x, 300, 2);
        train.SetLabels(y);
        using var booster = Booster.Train([new("max_depth", "4"), new("nthread", "1")], train, rounds: 30);

        var expected = Bits(booster.Predict(x, 300, 2));
        var results = new int[16][][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
            results[t] = Enumerable.Range(0, 20).Select(_ => Bits(booster.Predict(x, 300, 2))).ToArray());

        Assert.All(results.SelectMany(r => r), actual => Assert.Equal(expected, actual));
    }

    // 4. Errors surface as XGBoostException with XGBoost's own message; Dispose is idempotent.
    [Fact]
    public void InvalidParameterThrowsWithNativeMessage()
    {
        using var train = new DMatrix(new float[] { 0, 1, 2, 3 }, 4, 1);
        train.SetLabels(new float[] { 0, 1, 2, 3 });
        using var booster = new Booster(train);
        booster.SetParameter("max_depth", "-5");

        var error = Assert.Throws<XGBoostException>(() => booster.UpdateOneIteration(0, train));
        Assert.Contains("max_depth", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongColumnCountOnPredictThrowsWithNativeMessage()
    {
        var (x, y) = Lcg.Make(50, seed: 3);
        using var train = new DMatrix(x, 50, 2);
        train.SetLabels(y);
        using var booster = Booster.Train([new("max_depth", "2")], train, rounds: 2);

        var error = Assert.Throws<XGBoostException>(() => booster.Predict(new float[6], 2, 3));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void LoadingGarbageThrows()
    {
        var error = Assert.Throws<XGBoostException>(() => Booster.Load("not a model"u8));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void DisposeTwiceIsSafeAndUseAfterDisposeThrows()
    {
        var matrix = new DMatrix(new float[] { 1, 2 }, 2, 1);
        var booster = new Booster(matrix);
        booster.Dispose();
        booster.Dispose();
        matrix.Dispose();
        matrix.Dispose();
        Assert.Throws<ObjectDisposedException>(() => matrix.Rows);
        Assert.Throws<ObjectDisposedException>(() => booster.BoostedRounds);
    }

    [Fact]
    public void EvaluateSetReportsNamedMetric()
    {
        var (x, y) = Lcg.Make(40, seed: 1);
        using var train = new DMatrix(x, 40, 2);
        train.SetLabels(y);
        using var booster = new Booster(train);
        booster.SetParameters([new("eval_metric", "rmse"), new("eval_metric", "mae")]);
        booster.UpdateOneIteration(0, train);

        var report = booster.EvaluateSet(0, (train, "train"));
        Assert.Matches(@"^\[0\]\ttrain-rmse:[0-9.e-]+\ttrain-mae:[0-9.e-]+$", report);
    }

    // 5. Early stopping on a tiny noisy problem (40 rows, uniform noise of sd 0.58 on y = 3*x0) that
    // overfits quickly. Reference from python3-xgboost 1.7.4 on the same Lcg data and parameters:
    //   b = xgb.train(params, dtrain, 200, evals=[(dvalid, "valid")], early_stopping_rounds=5)
    //   b.best_iteration == 15, b.best_score == 0.8206460245498224, b.num_boosted_rounds() == 21
    //   b.inplace_predict(Xv[:3], iteration_range=(0, 16)) == [-0.03898592293262482, 2.169827938079834, ...]
    [Fact]
    public void EarlyStoppingMatchesReferenceAndPersists()
    {
        var (trainX, trainY) = Lcg.Make(40, seed: 1);
        var (validX, validY) = Lcg.Make(40, seed: 2);
        using var train = new DMatrix(trainX, 40, 2);
        train.SetLabels(trainY);
        using var valid = new DMatrix(validX, 40, 2);
        valid.SetLabels(validY);

        using var booster = Booster.Train(
            [
                new("objective", "reg:squarederror"), new("max_depth", "6"), new("eta", "0.1"), new("lambda", "0"),
                new("min_child_weight", "0"), new("tree_method", "exact"), new("nthread", "1"), new("base_score", "0.5"),
            ],
            train,
            rounds: 200,
            validation: valid,
            earlyStoppingRounds: 5);

        Assert.Equal(15, booster.BestIteration);
        Assert.Equal(21, booster.BoostedRounds);

        // Default prediction uses trees up to the best iteration, not all 21 rounds.
        var probe = validX.AsSpan(0, 3 * 2);
        var byDefault = booster.Predict(probe, 3, 2);
        Assert.Equal(Bits(booster.Predict(probe, 3, 2, iterationEnd: 16)), Bits(byDefault));
        Assert.NotEqual(Bits(booster.Predict(probe, 3, 2, iterationEnd: 0)), Bits(byDefault));
        // Reference predictions from Python's inplace_predict(iteration_range=(0, 16)).
        Assert.Equal(-0.03898592293262482f, byDefault[0], 1e-6f);
        Assert.Equal(2.169827938079834f, byDefault[1], 1e-6f);

        using var reloaded = Booster.Load(booster.SaveModel());
        Assert.Equal(15, reloaded.BestIteration);
        Assert.Equal(Bits(byDefault), Bits(reloaded.Predict(probe, 3, 2)));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    private static double Rmse(ReadOnlySpan<float> predicted, ReadOnlySpan<float> actual)
    {
        double sum = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var d = (double)predicted[i] - actual[i];
            sum += d * d;
        }

        return Math.Sqrt(sum / actual.Length);
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller; 1 - NextDouble() keeps the log argument in (0, 1].
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>
    /// Data from a 32-bit LCG (state = state * 1664525 + 1013904223; value = (state >> 8) / 2^24). Every
    /// value is an exact float, so a Python/NumPy reimplementation reproduces the matrices bit for bit
    /// (unlike System.Random). Rows are (a, b) with label 3a + 2(e - 0.5); a, b, e uniform in [0, 1).
    /// </summary>
    private static class Lcg
    {
        public static (float[] X, float[] Y) Make(int rows, uint seed)
        {
            var state = seed;
            var x = new float[rows * 2];
            var y = new float[rows];
            for (var i = 0; i < rows; i++)
            {
                var a = Next(ref state);
                var b = Next(ref state);
                var e = Next(ref state);
                x[i * 2] = a;
                x[i * 2 + 1] = b;
                y[i] = 3f * a + 2f * (e - 0.5f);
            }

            return (x, y);
        }

        private static float Next(ref uint state)
        {
            state = unchecked(state * 1664525u + 1013904223u);
            return (state >> 8) / 16777216f;
        }
    }
}
