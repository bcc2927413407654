using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Simulation;

namespace NovaMind.Domain.Tests.Forecasting;

public class ForecastPreparationTests
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
        var grid = PatientDailyGrid.Build(p.Observations, SymptomCohortSimulator.ObservationTypesEmitted, LastDay, 90);
        Assert.Equal(p.FirstDay, grid.Start);
        foreach (var type in SymptomCohortSimulator.ObservationTypesEmitted)
            for (var d = 0; d < 90; d++)
            {
                Assert.Equal(!double.IsNaN(p.Daily[type][d]), grid.Series[type].Observed[d]);
                if (grid.Series[type].Observed[d]) Assert.Equal(p.Daily[type][d], grid.Series[type].Values[d], 9);
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

    [Fact]
    public void Imputation_CarriesForward_MasksGaps_AndNeverLooksAhead()
    {
        var scaler = new RobustScaler(5, 2);
        var imputed = ImputedSeries.Impute(Series(null, 7, null, null, 3, null), scaler);
        Assert.Equal([0, 1, 1, 1, -1, -1], imputed.Values);
        Assert.Equal([false, true, false, false, true, false], imputed.Mask);
        Assert.Equal([ImputedSeries.MaxDaysSinceObserved, 0, 1, 2, 0, 1], imputed.DaysSinceObserved);

        var changedFuture = ImputedSeries.Impute(Series(null, 7, null, null, 9, 1), scaler);
        Assert.Equal(imputed.Values[..4], changedFuture.Values[..4]);
    }

    [Fact]
    public void Split_HoldsOutPatientsAndTheLastDays_WithGaps()
    {
        var split = ForecastSplit.Create(patients: 50, days: 200, heldOutShare: 0.2, validationShare: 0.15, testShare: 0.15, gap: 14, seed: 3);
        Assert.Equal(10, split.HeldOutPatients.Count);
        Assert.Empty(split.TrainPatients.Intersect(split.HeldOutPatients));
        Assert.Equal(Enumerable.Range(0, 50), split.TrainPatients.Concat(split.HeldOutPatients).Order());
        Assert.Equal(new DayRange(170, 200), split.TestDays);
        Assert.Equal(new DayRange(126, 156), split.ValidationDays);
        Assert.Equal(new DayRange(0, 112), split.TrainDays);
        var again = ForecastSplit.Create(50, 200, 0.2, 0.15, 0.15, 14, 3);
        Assert.Equal(split.HeldOutPatients, again.HeldOutPatients);
        Assert.Equal(split.TrainDays, again.TrainDays);
    }

    [Theory]
    [InlineData(240, 5, 14, 60, 28, 14)]
    [InlineData(240, 3, 28, 90, 14, 30)]
    [InlineData(100, 1, 7, 30, 10, 7)]
    public void RollingOriginFolds_ExpandAndNeverValidateBeforeTrainingPlusGap(int days, int folds, int horizon, int minTrain, int validation, int gap)
    {
        var result = RollingOriginCrossValidation.Folds(days, folds, horizon, minTrain, validation, gap);
        Assert.Equal(folds, result.Count);
        for (var k = 0; k < result.Count; k++)
        {
            var f = result[k];
            Assert.Equal(0, f.Train.Start);
            Assert.True(f.Train.Length >= minTrain);
            Assert.True(f.Validation.Start - f.Train.End >= gap);
            Assert.True(f.Validation.Start - (f.Train.End - 1) > horizon, "a training target (≤ horizon after the last training origin) reaches validation");
            Assert.Equal(validation, f.Validation.Length);
            Assert.True(f.Validation.End <= days);
            if (k > 0) Assert.True(f.Train.End > result[k - 1].Train.End);
        }
        Assert.Equal(days, result[^1].Validation.End);
    }

    [Fact]
    public void RollingOriginFolds_RejectAGapShorterThanTheHorizon()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RollingOriginCrossValidation.Folds(240, 4, horizon: 14, minTrainDays: 60, validationDays: 28, gap: 7));
        Assert.Throws<ArgumentException>(() => RollingOriginCrossValidation.Folds(60, 4, 14, 60, 28, 14));
    }
}
