using System.Diagnostics;
using NovaMind.Domain.Forecasting;
using Xunit.Abstractions;

namespace NovaMind.Domain.Tests.Forecasting;

public class BayesianOptimizerTests(ITestOutputHelper output)
{
    private const double BraninMinimum = 0.397887357729739;

    private static readonly SearchDimension[] BraninSpace = [SearchDimension.Continuous("x1", -5, 10), SearchDimension.Continuous("x2", 0, 15)];

    private static double Branin(IReadOnlyDictionary<string, double> p)
    {
        double x1 = p["x1"], x2 = p["x2"];
        const double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        var u = x2 - b * x1 * x1 + c * x1 - 6;
        return u * u + 10 * (1 - t) * Math.Cos(x1) + 10;
    }

    private static int EvaluationsToReach(OptimizationResult result, double threshold)
        => result.History.FirstOrDefault(t => t.Value < threshold)?.Index + 1 ?? -1;

    [Fact]
    public void Branin_KnownMinimum()
    {
        Assert.Equal(BraninMinimum, Branin(new Dictionary<string, double> { ["x1"] = Math.PI, ["x2"] = 2.275 }), 1e-12);
        Assert.Equal(BraninMinimum, Branin(new Dictionary<string, double> { ["x1"] = -Math.PI, ["x2"] = 12.275 }), 1e-12);
    }

    [Fact]
    public void Quadratic1D_FindsTheMinimumWithin15Evaluations()
    {
        var optimizer = new BayesianOptimizer([SearchDimension.Continuous("x", 0, 1)], seed: 1);
        var result = optimizer.Minimize(p => (p["x"] - 0.3) * (p["x"] - 0.3), 15);
        output.WriteLine($"best x = {result.BestParameters["x"]:R}, f = {result.BestValue:E2}, |x − 0.3| < 1e-2 after {result.History.First(t => Math.Abs(t.Parameters["x"] - 0.3) < 1e-2).Index + 1} evaluations");
        Assert.Equal(15, result.History.Count);
        Assert.Equal(0.3, result.BestParameters["x"], 1e-2);
    }

    [Fact]
    public void Branin_ReachesBelowHalfWithin40Evaluations()
    {
        var watch = Stopwatch.StartNew();
        var result = new BayesianOptimizer(BraninSpace, seed: 42).Minimize(Branin, 40);
        output.WriteLine($"best {result.BestValue:R} at ({result.BestParameters["x1"]:F4}, {result.BestParameters["x2"]:F4}); < 0.5 after {EvaluationsToReach(result, 0.5)} evaluations; {watch.ElapsedMilliseconds} ms");
        Assert.True(result.BestValue < 0.5, $"best {result.BestValue}");
    }

    [Fact]
    public void BeatsRandomSearchOnBranin_AveragedOverSeeds()
    {
        const int budget = 25;
        int[] seeds = [1, 2, 3, 4];
        var bo = seeds.Select(s => new BayesianOptimizer(BraninSpace, s).Minimize(Branin, budget).BestValue).ToArray();
        var random = seeds.Select(s => BayesianOptimizer.RandomSearch(BraninSpace, Branin, budget, s).BestValue).ToArray();
        output.WriteLine($"BO best per seed: {string.Join(", ", bo.Select(v => v.ToString("F4")))} (mean {bo.Average():F4})");
        output.WriteLine($"random best per seed: {string.Join(", ", random.Select(v => v.ToString("F4")))} (mean {random.Average():F4})");
        Assert.True(bo.Average() < random.Average(), $"BO {bo.Average()} vs random {random.Average()}");
        // Gap to the optimum: BO's should be far smaller, not just smaller.
        Assert.True(bo.Average() - BraninMinimum < 0.5 * (random.Average() - BraninMinimum));
    }

    [Fact]
    public void MixedIntegerAndLogDimensions_FindsTheOptimum()
    {
        // Optimum at layers = 3, learning rate = 1e-3 (log scale), value 0.
        SearchDimension[] space = [SearchDimension.Integer("layers", 1, 8), SearchDimension.LogUniform("lr", 1e-5, 1e-1)];
        static double Loss(IReadOnlyDictionary<string, double> p)
        {
            var l = p["layers"] - 3;
            var r = Math.Log10(p["lr"]) + 3;
            return 0.2 * l * l + r * r;
        }
        var result = new BayesianOptimizer(space, seed: 5).Minimize(Loss, 25);
        output.WriteLine($"best layers = {result.BestParameters["layers"]}, lr = {result.BestParameters["lr"]:E3}, f = {result.BestValue:E2}; layers = 3 and |log10 lr + 3| < 0.1 after {result.History.FirstOrDefault(t => t.Parameters["layers"] == 3 && Math.Abs(Math.Log10(t.Parameters["lr"]) + 3) < 0.1)?.Index + 1} evaluations");
        Assert.All(result.History, t => Assert.Equal(Math.Round(t.Parameters["layers"]), t.Parameters["layers"]));
        Assert.All(result.History, t => Assert.InRange(t.Parameters["lr"], 1e-5, 1e-1));
        Assert.Equal(3, result.BestParameters["layers"]);
        Assert.Equal(-3, Math.Log10(result.BestParameters["lr"]), 0.1);
        // Integer points are never evaluated twice.
        Assert.Equal(result.History.Count, result.History.Select(t => (t.Parameters["layers"], t.Parameters["lr"])).Distinct().Count());
    }

    [Fact]
    public void SameSeed_SameSuggestions()
    {
        static double F(IReadOnlyDictionary<string, double> p) => Math.Pow(p["x"] - 0.7, 2) + Math.Abs(p["n"] - 2);
        SearchDimension[] space = [SearchDimension.Continuous("x", 0, 1), SearchDimension.Integer("n", 0, 4)];
        var a = new BayesianOptimizer(space, 9).Minimize(F, 10).History.Select(t => (t.Parameters["x"], t.Parameters["n"])).ToArray();
        var b = new BayesianOptimizer(space, 9).Minimize(F, 10).History.Select(t => (t.Parameters["x"], t.Parameters["n"])).ToArray();
        Assert.Equal(a, b);
    }

    [Fact]
    public void AskTell_InitialDesignIsALatinHypercube_AndTellValidates()
    {
        var optimizer = new BayesianOptimizer([SearchDimension.Continuous("x", 0, 10)], seed: 3, initialRandomPoints: 5);
        // Asking five times before telling walks the design: one point in each fifth of the range.
        var xs = Enumerable.Range(0, 5).Select(_ => optimizer.Suggest()["x"]).ToArray();
        Assert.Equal([0, 1, 2, 3, 4], xs.Select(x => (int)(x / 2)).Order());
        Assert.Throws<ArgumentException>(() => optimizer.Tell(new Dictionary<string, double> { ["y"] = 1 }, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.Tell(new Dictionary<string, double> { ["x"] = 1 }, double.NaN));
        Assert.Throws<ArgumentException>(() => new BayesianOptimizer([SearchDimension.Continuous("x", 0, 1), SearchDimension.Integer("x", 0, 2)], 1));
    }

    [Fact]
    public void SearchDimension_MapsUnitCoordinates()
    {
        var integer = SearchDimension.Integer("n", 1, 4);
        Assert.Equal([1.0, 2, 3, 4], new[] { 0.0, 0.26, 0.6, 1.0 }.Select(integer.FromUnit));
        Assert.Equal(0.125, integer.ToUnit(1));
        Assert.Equal(0.875, integer.ToUnit(4));
        var log = SearchDimension.LogUniform("lr", 1e-4, 1e-2);
        Assert.Equal(1e-3, log.FromUnit(0.5), 1e-15);
        Assert.Equal(0.5, log.ToUnit(1e-3), 1e-12);
        Assert.Throws<ArgumentOutOfRangeException>(() => SearchDimension.LogUniform("lr", 0, 1));
        Assert.Throws<ArgumentException>(() => SearchDimension.Continuous("x", 1, 1));
    }
}
