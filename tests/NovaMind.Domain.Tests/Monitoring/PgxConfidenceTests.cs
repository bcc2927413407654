using NovaMind.Domain.Monitoring;

namespace NovaMind.Domain.Tests.Monitoring;

public class PgxConfidenceTests
{
    public static TheoryData<bool, bool, bool, string[]> Cases => new()
    {
        { true, false, false, [] },
        { false, false, false, [PgxConfidenceRule.NoSkill] },
        { true, true, false, [PgxConfidenceRule.GenotypeMissing] },
        { true, false, true, [PgxConfidenceRule.GenotypeNeedsReview] },
        { false, true, false, [PgxConfidenceRule.NoSkill, PgxConfidenceRule.GenotypeMissing] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Estimates_are_low_confidence_for_every_stated_reason(bool beatsBaseline, bool genotypeMissing, bool needsReview, string[] reasons)
    {
        var result = PgxConfidenceRule.Assess(beatsBaseline, genotypeMissing, needsReview);
        Assert.Equal(reasons, result.Reasons);
        Assert.Equal(reasons.Length > 0, result.LowConfidence);
    }
}
