using NovaMind.Domain.Forecasting;

namespace NovaMind.Domain.Tests.Forecasting;

public class GaussianProcessTests
{
    private static readonly double[][] X = [[0.1], [0.25], [0.4], [0.55]];
    private static readonly double[] Y = [1.0, 2.0, 0.5, -1.0];

    [Fact]
    public void Matern52_KnownValues()
    {
        Assert.Equal(1, GaussianProcess.Matern52(0));
        // (1 + √5 + 5/3) e^{−√5} at r = 1.
        Assert.Equal((1 + Math.Sqrt(5) + 5.0 / 3.0) * Math.Exp(-Math.Sqrt(5)), GaussianProcess.Matern52(1), 1e-15);
        Assert.Equal(0.8286491424181253, GaussianProcess.Matern52(0.5), 1e-14); // (1 + 1.118 + 0.4167) e^{−1.118}
    }

    [Fact]
    public void Posterior_InterpolatesTrainingPoints()
    {
        var gp = new GaussianProcess(X, Y, new GaussianProcessHyperparameters([0.2], 1.0, 1e-6));
        for (var i = 0; i < X.Length; i++)
        {
            var (mean, variance) = gp.Predict(X[i]);
            Assert.Equal(Y[i], mean, 1e-4);
            // Latent variance at a training point is below the noise variance (σf²σn²/(σf²+σn²) for an isolated point).
            Assert.InRange(variance, 0, 1e-6);
        }
        // Between training points the variance is positive but well below the prior.
        Assert.InRange(gp.Predict([0.175]).Variance, 1e-4, 0.2);
    }

    [Fact]
    public void Posterior_RevertsToTheConstantMeanAndPriorVarianceFarAway()
    {
        var gp = new GaussianProcess(X, Y, new GaussianProcessHyperparameters([0.05], 2.0, 1e-4));
        var (mean, variance) = gp.Predict([5.0]);
        Assert.Equal(gp.ConstantMean, mean, 1e-9);
        Assert.Equal(2.0, variance, 1e-9);
        // With short length scales the GLS constant mean is close to the sample mean (points nearly independent).
        Assert.Equal(Y.Average(), gp.ConstantMean, 1e-2);
    }

    [Fact]
    public void Posterior_MatchesTheClosedFormForOnePoint()
    {
        // One observation: m = y, mean(x*) = m + k*/(σf²+σn²)(y − m) = y, var = σf² − k*²/(σf²+σn²).
        var gp = new GaussianProcess([[0.0]], [3.0], new GaussianProcessHyperparameters([0.5], 1.5, 0.1));
        var kStar = 1.5 * GaussianProcess.Matern52(0.3 / 0.5);
        var (mean, variance) = gp.Predict([0.3]);
        Assert.Equal(3.0, mean, 1e-12);
        Assert.Equal(1.5 - kStar * kStar / 1.6, variance, 1e-12);
        // log N(3; 3, 1.6) = −½ log(2π · 1.6).
        Assert.Equal(-0.5 * Math.Log(2 * Math.PI * 1.6), gp.LogMarginalLikelihood, 1e-12);
    }

    [Fact]
    public void Fit_LearnsASmoothFunctionAndSmallNoise()
    {
        var x = Enumerable.Range(0, 12).Select(i => new[] { i / 11.0, (i * 7 % 12) / 11.0 }).ToArray();
        // Depends on the first input only: its length scale should come out much shorter than the second's.
        var y = x.Select(p => Math.Sin(6 * p[0])).ToArray();
        var gp = GaussianProcess.Fit(x, y, new Random(1));
        Assert.True(gp.Hyperparameters.LengthScales[0] < gp.Hyperparameters.LengthScales[1] / 3,
            $"length scales {string.Join(", ", gp.Hyperparameters.LengthScales)}");
        Assert.True(gp.Hyperparameters.NoiseVariance < 1e-3, $"noise {gp.Hyperparameters.NoiseVariance}");
        Assert.Equal(Math.Sin(6 * 0.5), gp.Predict([0.5, 0.3]).Mean, 0.05);
    }

    [Fact]
    public void ExpectedImprovement_ClosedForm()
    {
        // σ = 0: deterministic improvement, zero when the mean is above the incumbent.
        Assert.Equal(0, ExpectedImprovement.Compute(mean: 2, sd: 0, best: 1));
        Assert.Equal(0.5, ExpectedImprovement.Compute(mean: 0.5, sd: 0, best: 1));
        // μ = best: EI = σ φ(0) = σ / √(2π).
        Assert.Equal(2 / Math.Sqrt(2 * Math.PI), ExpectedImprovement.Compute(1, 2, 1), 1e-12);
        // z = 1: EI = Φ(1) + φ(1) with σ = 1, μ = best − 1.
        Assert.Equal(0.8413447460685429 + 0.24197072451914337, ExpectedImprovement.Compute(0, 1, 1), 1e-12);
        // More uncertainty never lowers EI; exploration ξ lowers it.
        Assert.True(ExpectedImprovement.Compute(2, 1, 1) < ExpectedImprovement.Compute(2, 2, 1));
        Assert.True(ExpectedImprovement.Compute(0, 1, 1, exploration: 0.1) < ExpectedImprovement.Compute(0, 1, 1));
    }
}
