using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using MathNet.Numerics.Optimization.ObjectiveFunctions;

namespace NovaMind.Ml.Forecasting.Statistical;

/// <summary>
/// Minimisation within bounds for the statistical members: MathNet's bounded BFGS with forward-difference gradients, and
/// where it fails (its Hessian update can lose positive definiteness on flat or jagged likelihoods) Nelder–Mead on the
/// objective with the point clamped into the bounds.
/// </summary>
internal static class BoundedSearch
{
    public static Vector<double> Minimize(Func<Vector<double>, double> objective, Vector<double> lower, Vector<double> upper, Vector<double> start)
    {
        try
        {
            var gradient = new ForwardDifferenceGradientObjectiveFunction(ObjectiveFunction.Value(objective), lower, upper, 1e-7, 1e-8);
            return new BfgsBMinimizer(1e-5, 1e-7, 1e-9, 200).FindMinimum(gradient, lower, upper, start).MinimizingPoint;
        }
        catch (Exception ex) when (ex is MaximumIterationsException or OptimizationException or ArgumentException)
        {
            Vector<double> Clamp(Vector<double> x) => x.MapIndexed((i, v) => Math.Clamp(v, lower[i], upper[i]));
            try
            {
                var result = new NelderMeadSimplex(1e-9, 2000).FindMinimum(ObjectiveFunction.Value(x => objective(Clamp(x))), start);
                return Clamp(result.MinimizingPoint);
            }
            catch (Exception inner) when (inner is MaximumIterationsException or OptimizationException or ArgumentException)
            {
                return start;
            }
        }
    }

    /// <summary>True when every observed value is the same: a perfect fit, handled without a search.</summary>
    public static bool IsConstant(IReadOnlyList<double> y, out double value)
    {
        var observed = y.Where(v => !double.IsNaN(v)).ToArray();
        value = observed.Length == 0 ? double.NaN : observed[0];
        return observed.Length > 0 && observed.Max() - observed.Min() < 1e-9;
    }
}
