using MathNet.Numerics.Distributions;

namespace NovaMind.Domain.Forecasting;

/// <summary>Expected improvement acquisition for minimisation.</summary>
public static class ExpectedImprovement
{
    /// <summary>
    /// E[max(best − ξ − f, 0)] for f ~ N(mean, sd²):
    /// <c>(best − ξ − μ) Φ(z) + σ φ(z)</c>, <c>z = (best − ξ − μ)/σ</c>; with σ = 0 it is <c>max(best − ξ − μ, 0)</c>.
    /// </summary>
    /// <param name="exploration">ξ ≥ 0: an improvement must beat the incumbent by this much to count.</param>
    public static double Compute(double mean, double sd, double best, double exploration = 0)
    {
        if (!(sd >= 0)) throw new ArgumentOutOfRangeException(nameof(sd), sd, "sd must be non-negative");
        var improvement = best - exploration - mean;
        if (sd <= 1e-300) return Math.Max(improvement, 0);
        var z = improvement / sd;
        return Math.Max(0, improvement * Normal.CDF(0, 1, z) + sd * Normal.PDF(0, 1, z));
    }
}
