using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;

namespace NovaMind.Domain.Tests.Forecasting;

public class DailyGridAndRobustScalerTests
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);

    private static DailySeries Series(params double?[] values)
    {
        var start = LastDay.AddDays(-(values.Length - 1));
        var obs = values
            .Select((v, i) => (v, i))
            .Where(x => x.v.HasValue)
            .Select(x => new Observation(new DateTimeOffset(start.AddDays(x.i).ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero), ObservationType.Mood, x.v!.Value));
        return DailySeries.Build(obs, ObservationType.Mood, LastDay, values.Length);
    }

    [Fact]
    public void Grid_AlignsASimulatedPatient_ToItsDays()
    {
        var p = new SymptomCohortSimulator(5).SimulatePatient(0, 90, LastDay);
        foreach (var type in SymptomCohortSimulator.ObservationTypesEmitted)
        {
            var series = DailySeries.Build(p.Observations, type, LastDay, 90);
            for (var d = 0; d < 90; d++)
            {
                Assert.Equal(!double.IsNaN(p.Daily[type][d]), series.Observed[d]);
                if (series.Observed[d]) Assert.Equal(p.Daily[type][d], series.Values[d], 9);
            }
        }
    }

    [Fact]
    public void RobustScaler_UsesTrainingDaysOnly()
    {
        // Training days 0..9 hold 1..10 (median 5.5); the later days hold huge values. A scaler fitted on all days would
        // have a median far above 5.5.
        double?[] values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400];
        var scaler = RobustScaler.Fit(Series(values), new DayRange(0, 10));
        var reference = RobustScaler.Fit(Enumerable.Range(1, 10).Select(v => (double)v).ToList());
        Assert.Equal(reference.Median, scaler.Median, 12);
        Assert.Equal(reference.Scale, scaler.Scale, 12);

        // Changing any day outside the training range changes nothing.
        var changed = values.ToArray();
        for (var i = 10; i < changed.Length; i++) changed[i] = 0;
        var again = RobustScaler.Fit(Series(changed), new DayRange(0, 10));
        Assert.Equal(scaler, again);
    }

    [Fact]
    public void RobustScaler_IsMedianAndIqr_WithFallbacks()
    {
        var s = RobustScaler.Fit([1.0, 2, 3, 4, 100]);
        Assert.Equal(3, s.Median);
        Assert.Equal(2 / 1.349, s.Scale, 12); // quartiles 2 and 4: the outlier does not move them
        Assert.Equal(0, s.Normalise(3));
        Assert.Equal(7.0, s.Denormalise(s.Normalise(7.0)), 12);
        Assert.Equal(1, RobustScaler.Fit([5.0, 5, 5, 5]).Scale);
        Assert.Equal(RobustScaler.Identity, RobustScaler.Fit(Array.Empty<double>()));
    }
}
