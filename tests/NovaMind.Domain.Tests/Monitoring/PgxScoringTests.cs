using NovaMind.Domain.Monitoring;
using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Monitoring;

public class PgxScoringTests
{
    private static readonly DateOnly Served = new(2026, 3, 1);
    private static readonly DateOnly Today = new(2026, 9, 1);

    private static PastTreatment Treatment(string drug, DateOnly start, int weeks, TreatmentResponse response) =>
        new(drug, 50, start, start.AddDays(7 * weeks), response, []);

    public static TheoryData<TreatmentResponse, double> Outcomes => new()
    {
        { TreatmentResponse.Remission, (0.7 - 1) * (0.7 - 1) },
        { TreatmentResponse.Response, (0.7 - 1) * (0.7 - 1) },
        { TreatmentResponse.Partial, 0.7 * 0.7 },
        { TreatmentResponse.None, 0.7 * 0.7 },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public void A_treatment_started_after_the_estimate_scores_it_with_the_models_own_outcome(TreatmentResponse response, double brier)
    {
        var (kept, points) = PgxScoring.Score([new("0.2.0", "sertraline", 0.7, Served)], [Treatment("sertraline", Served.AddDays(3), 12, response)], Today);
        var point = Assert.Single(points);
        Assert.Equal(brier, point.Brier, 12);
        Assert.Equal(("0.2.0", "sertraline"), (point.ModelVersion, point.Drug));
        Assert.Empty(kept);
    }

    public static TheoryData<string, PastTreatment[], int, bool> Cases => new()
    {
        // description, history, days after serving that it is "today", still kept
        { "a treatment that began before the estimate was served says nothing about it", [Treatment("sertraline", Served.AddDays(-30), 12, TreatmentResponse.Response)], 180, true },
        { "another drug's treatment does not score it", [Treatment("citalopram", Served.AddDays(3), 12, TreatmentResponse.Response)], 180, true },
        { "a treatment still running (ending after today) waits", [Treatment("sertraline", Served.AddDays(3), 12, TreatmentResponse.Response)], 60, true },
        { "unscored for more than a year: dropped", [], PgxScoring.MaxWaitDays + 1, false },
        { "unscored for exactly a year: kept", [], PgxScoring.MaxWaitDays, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Estimates_without_a_later_finished_treatment_wait_up_to_a_year(string description, PastTreatment[] history, int daysLater, bool kept)
    {
        var (left, points) = PgxScoring.Score([new("0.2.0", "sertraline", 0.7, Served)], history, Served.AddDays(daysLater));
        Assert.True(points.Count == 0, description);
        Assert.Equal(kept ? 1 : 0, left.Count);
    }

    [Fact]
    public void The_first_treatment_after_the_estimate_is_the_one_that_scores_it()
    {
        var (_, points) = PgxScoring.Score([new("0.2.0", "sertraline", 0.2, Served)],
            [Treatment("sertraline", Served.AddDays(200), 8, TreatmentResponse.Response), Treatment("sertraline", Served.AddDays(10), 8, TreatmentResponse.None)], Today);
        Assert.False(Assert.Single(points).Responded);
        Assert.Equal(0.04, points[0].Brier, 12);
    }

    [Fact]
    public void Recording_keeps_one_estimate_per_drug_and_version_and_at_most_the_capacity()
    {
        IReadOnlyList<ServedPgxEstimate> served = [];
        served = PgxScoring.Record(served, new("0.2.0", "sertraline", 0.6, Served), 3);
        served = PgxScoring.Record(served, new("0.2.0", "sertraline", 0.65, Served.AddDays(1)), 3);
        Assert.Equal(0.65, Assert.Single(served).ResponseProbability);
        foreach (var drug in new[] { "a", "b", "c" }) served = PgxScoring.Record(served, new("0.2.0", drug, 0.5, Served), 3);
        Assert.Equal(["a", "b", "c"], served.Select(s => s.Drug));
    }
}
