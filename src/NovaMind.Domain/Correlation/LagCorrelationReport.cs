using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Correlation;

/// <summary>
/// One test: <see cref="BiometricType"/> on day t − <see cref="LagDays"/> against <see cref="SymptomType"/> on day t,
/// over the <see cref="N"/> days on which both had a reading (daily means).
/// </summary>
/// <param name="Method">Pearson or Spearman (never Both).</param>
/// <param name="PValue">Two-sided p of H0 "no correlation"; the one the q-values are computed from. Student t, except
/// Spearman with N &lt; 30, which gets the permutation p (<see cref="PValueMethod"/> says exact or Monte-Carlo).</param>
/// <param name="StudentTPValue">The t-approximation p (scipy's default for both coefficients), reported always.</param>
/// <param name="QValue">Benjamini–Hochberg q over every test of the request (before any filtering).</param>
/// <param name="CiLow">95 % Fisher-z interval, lower end (Spearman with the 1.06/(n−3) variance).</param>
/// <param name="Confidence">0..1; see <see cref="LagCorrelationEngine.ConfidenceScore"/>.</param>
public sealed record LagCorrelation(
    ObservationType BiometricType,
    ObservationType SymptomType,
    int LagDays,
    CorrelationMethod Method,
    double Coefficient,
    double PValue,
    PValueMethod PValueMethod,
    double StudentTPValue,
    double QValue,
    double CiLow,
    double CiHigh,
    int N,
    double Confidence);

public enum ExclusionReason
{
    /// <summary>No day has both values (or there are no observations at all).</summary>
    NoOverlap,
    /// <summary>Fewer days with both values than the request's minimum overlap.</summary>
    TooFewDays,
    /// <summary>The biometric takes one value on every overlapping day: no correlation is defined.</summary>
    ConstantBiometric,
    /// <summary>The symptom takes one value on every overlapping day: no correlation is defined.</summary>
    ConstantSymptom,
}

/// <summary>A (biometric, symptom, lag) that was not tested, and why (for every method of the request).</summary>
public sealed record ExcludedPair(ObservationType BiometricType, ObservationType SymptomType, int LagDays, ExclusionReason Kind, string Reason);

/// <param name="WindowStart">First day of the window; null when there was no observation and no explicit end.</param>
/// <param name="TestCount">How many tests the q-values were computed over (rows before the minAbs/maxQ filter).</param>
/// <param name="Correlations">Rows with |coefficient| ≥ minAbs and q ≤ maxQ, strongest |coefficient| first.</param>
public sealed record LagCorrelationReport(
    DateOnly? WindowStart,
    DateOnly? WindowEnd,
    int TestCount,
    IReadOnlyList<LagCorrelation> Correlations,
    IReadOnlyList<ExcludedPair> Excluded);
