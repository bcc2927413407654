using System.Globalization;

namespace NovaMind.Domain.Monitoring;

/// <summary>
/// How much a single forecast can be trusted, in three measures (issue 16): <see cref="IntervalWidthRatio"/> — the
/// patient's 80 % interval against the model's calibrated one for the cohort (above 1: this patient's own errors have been
/// larger); <see cref="MemberDisagreement"/> — the spread between the ensemble's members over horizons 1–7 in units of the
/// calibrated 80 % half-width; <see cref="OutOfDistributionScore"/> — the largest robust z of the model's monitored inputs
/// against their training deciles, and which input it was. <see cref="LowConfidence"/> and <see cref="Reasons"/> come from a
/// <see cref="ConfidenceRule"/>.
/// </summary>
public sealed record ConfidenceAssessment(double IntervalWidthRatio, double MemberDisagreement, double OutOfDistributionScore,
    string? OutOfDistributionFeature, bool LowConfidence, IReadOnlyList<string> Reasons);

/// <summary>
/// The rule that marks a forecast low-confidence: any measure above its threshold. Defaults: intervals more than twice the
/// calibrated width, members further apart than the calibrated 80 % half-width, or an input more than 4 robust standard
/// deviations from its training median. Configurable (<c>Monitoring:Confidence</c>); the share of low-confidence forecasts
/// the defaults give on the training simulator and on a shifted cohort is measured in tests and docs/operations.md.
/// </summary>
public sealed record ConfidenceRule(double MaxIntervalWidthRatio = 2.0, double MaxMemberDisagreement = 1.0, double MaxOutOfDistributionZ = 4.0)
{
    /// <summary>Reason codes, also the <c>reason</c> label of the low-confidence metric.</summary>
    public const string WideInterval = "interval_width", Disagreement = "member_disagreement", OutOfDistribution = "out_of_distribution";

    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"low confidence when the 80 % interval is more than {MaxIntervalWidthRatio:0.##} × the calibrated width, the members' spread over horizons 1–7 exceeds " +
        $"{MaxMemberDisagreement:0.##} × the calibrated 80 % half-width, or a monitored input lies more than {MaxOutOfDistributionZ:0.##} robust sd from its training median");

    public ConfidenceRule Validated()
    {
        if (!(MaxIntervalWidthRatio > 0) || !(MaxMemberDisagreement > 0) || !(MaxOutOfDistributionZ > 0))
            throw new ArgumentOutOfRangeException(nameof(MaxIntervalWidthRatio), "every confidence threshold must be positive");
        return this;
    }

    /// <param name="intervalWidthRatio">Served 80 % half-width / calibrated 80 % half-width (the personal interval scale).</param>
    /// <param name="members">Each member's forecast for horizons 1..H (members that could not forecast left out).</param>
    /// <param name="calibratedHalfWidth80">The calibrated 80 % half-width per horizon 1..H.</param>
    /// <param name="references">The model's monitored inputs' training distributions (may be empty: no reference).</param>
    /// <param name="inputs">The request's values of those inputs, in the same order (NaN where missing).</param>
    public ConfidenceAssessment Assess(double intervalWidthRatio, IReadOnlyList<IReadOnlyList<double>> members, IReadOnlyList<double> calibratedHalfWidth80,
        IReadOnlyList<ReferenceDistribution> references, IReadOnlyList<double> inputs)
    {
        var disagreement = SpreadOverFirstWeek(members, calibratedHalfWidth80);
        var (z, feature) = (0.0, (string?)null);
        for (var i = 0; i < Math.Min(references.Count, inputs.Count); i++)
        {
            var zi = Math.Abs(references[i].RobustZ(inputs[i]));
            if (double.IsFinite(zi) && zi > z) (z, feature) = (zi, references[i].Name);
        }
        var reasons = new List<string>();
        if (intervalWidthRatio > MaxIntervalWidthRatio) reasons.Add(WideInterval);
        if (disagreement > MaxMemberDisagreement) reasons.Add(Disagreement);
        if (z > MaxOutOfDistributionZ) reasons.Add(OutOfDistribution);
        return new ConfidenceAssessment(intervalWidthRatio, disagreement, z, feature, reasons.Count > 0, reasons);
    }

    /// <summary>Mean over horizons 1..min(7, H) of (largest − smallest member) / calibrated half-width; 0 with fewer than two members.</summary>
    public static double SpreadOverFirstWeek(IReadOnlyList<IReadOnlyList<double>> members, IReadOnlyList<double> calibratedHalfWidth80)
    {
        if (members.Count < 2) return 0;
        var horizons = Math.Min(7, calibratedHalfWidth80.Count);
        var sum = 0.0;
        var n = 0;
        for (var h = 0; h < horizons; h++)
        {
            if (!(calibratedHalfWidth80[h] > 0)) continue;
            var values = members.Select(m => m[h]).Where(double.IsFinite).ToArray();
            if (values.Length < 2) continue;
            sum += (values.Max() - values.Min()) / calibratedHalfWidth80[h];
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }
}
