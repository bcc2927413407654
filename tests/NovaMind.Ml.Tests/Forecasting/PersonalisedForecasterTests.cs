using NovaMind.Domain.Observations;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Forecasting.Personalised;
using NovaMind.Ml.Forecasting.Statistical;
using NovaMind.Simulation;
using NovaMind.TestInfrastructure;

namespace NovaMind.Ml.Tests.Forecasting;

/// <summary>The served, personalised ensemble on the committed forecast set, and the statistical member's backtest.</summary>
public sealed class PersonalisedForecasterTests : IDisposable
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);
    private readonly SymptomForecaster _models = SymptomForecaster.LoadCurrent(Path.Combine(RepoPaths.Models, "forecast"));

    public void Dispose() => _models.Dispose();

    private Func<IReadOnlyList<SymptomForecastInput>, Task<SymptomForecastOutput[]>> Predict => inputs => Task.FromResult(_models.Predict(inputs));

    /// <summary>A seasonal AR(1) series with about one day in eight missing.</summary>
    private static double[] Series(int days, int seed)
    {
        var random = new Random(seed);
        var y = new double[days];
        double e = 0;
        for (var d = 0; d < days; d++)
        {
            e = 0.6 * e + random.NextDouble() - 0.5;
            y[d] = 5 + (d % 7 >= 5 ? 1.5 : 0) + e;
        }
        for (var d = 3; d < days; d += 8) y[d] = double.NaN;
        return y;
    }

    [Fact]
    public void The_statistical_backtest_sees_nothing_after_each_origin()
    {
        var series = Series(160, 3);
        int[] origins = [100, 107, 114];
        var before = StatisticalMember.Backtest(series, origins, 14);
        var changed = (double[])series.Clone();
        for (var d = 108; d < changed.Length; d++) if (!double.IsNaN(changed[d])) changed[d] += 3;

        var after = StatisticalMember.Backtest(changed, origins, 14);

        Assert.Equal(before[0]!.Mean, after[0]!.Mean);
        Assert.Equal(before[1]!.Mean, after[1]!.Mean);
        Assert.NotEqual(before[2]!.Mean, after[2]!.Mean);
        // The first origin is a plain fit on the days up to it.
        var alone = StatisticalMember.Forecast(series.Take(101).ToArray(), 14)!;
        for (var h = 0; h < 14; h++) Assert.Equal(alone.Mean[h], before[0]!.Mean[h], 9);
    }

    [Fact]
    public void Rolling_forecasts_refit_on_schedule_and_filter_in_between()
    {
        var series = Series(200, 9);
        int[] origins = [120, 121, 124, 127, 128, 140];

        var daily = StatisticalMember.Rolling(series, origins, 7, refitEveryDays: 1);
        var weekly = StatisticalMember.Rolling(series, origins, 7, refitEveryDays: 7);

        // Refitting at every origin is a plain fit there.
        for (var k = 0; k < origins.Length; k++)
            Assert.Equal(StatisticalMember.Forecast(series.Take(origins[k] + 1).ToArray(), 7)!.Mean, daily[k]!.Mean);
        // Weekly: fits at 120, 127 and 140 agree with the plain fits; 121, 124 and 128 are filtered with older parameters.
        foreach (var k in new[] { 0, 3, 5 }) Assert.Equal(daily[k]!.Mean, weekly[k]!.Mean);
        foreach (var k in new[] { 1, 2, 4 }) Assert.NotEqual(daily[k]!.Mean, weekly[k]!.Mean);
    }

    [Fact]
    public void The_member_is_the_mean_of_its_two_models_fitted_on_the_same_days()
    {
        var series = Series(150, 5);

        var member = StatisticalMember.Forecast(series, 14)!;

        var (sMean, sVariance) = SeasonalArima.Fit(StatisticalMember.Sarima, series).Forecast(14);
        var (eMean, eVariance) = ExponentialSmoothing.Fit(StatisticalMember.Ets, series).Forecast(14);
        for (var h = 0; h < 14; h++)
        {
            Assert.Equal((sMean[h] + eMean[h]) / 2, member.Mean[h], 12);
            var sd = (Math.Sqrt(sVariance[h]) + Math.Sqrt(eVariance[h])) / 2;
            Assert.Equal(sd * sd, member.Variance[h], 12);
        }
    }

    [Fact]
    public void Past_the_history_cap_each_model_is_filtered_on_from_what_it_was_fitted_on()
    {
        var series = Series(420, 7);
        const int first = 380, second = 390;

        var forecasts = StatisticalMember.Backtest(series, [first, second], 7);

        // Fitted on the 365 days up to the first origin (days 16..380); the smoothing states carry on from day 16,
        // the stationary SARIMA is filtered over the 365 days up to the second origin (days 26..390).
        var fitStart = first + 1 - StatisticalMember.MaxHistoryDays;
        var ets = ExponentialSmoothing.Fit(StatisticalMember.Ets, series[fitStart..(first + 1)]);
        var sarima = SeasonalArima.Fit(StatisticalMember.Sarima, series[fitStart..(first + 1)]);
        var (eMean, _) = ExponentialSmoothing.Evaluate(ets.Spec, ets.Parameters, series[fitStart..(second + 1)]).Forecast(7);
        var (sMean, _) = SeasonalArima.Condition(StatisticalMember.Sarima, sarima.Parameters, series[(second + 1 - StatisticalMember.MaxHistoryDays)..(second + 1)]).Forecast(7);
        for (var h = 0; h < 7; h++) Assert.Equal((sMean[h] + eMean[h]) / 2, forecasts[1]!.Mean[h], 9);
    }

    [Fact]
    public void The_statistical_member_declines_a_history_too_short_to_fit()
    {
        Assert.Null(StatisticalMember.Forecast([4, double.NaN, 5, 6, double.NaN, 5], 7));
        Assert.Throws<ArgumentException>(() => StatisticalMember.Backtest(Series(60, 1), [40, 30], 7));
    }

    [Fact]
    public async Task Without_backtest_origins_the_weights_and_intervals_are_the_sets_own()
    {
        var patient = new SymptomCohortSimulator(77).Simulate(1, 150, LastDay).Patients[0];
        var global = new PersonalisedForecaster(_models, new PersonalisationOptions { BacktestOrigins = 0 });

        var served = (await global.ForecastAsync(patient.Observations, ObservationType.Mood, null, Predict))!;

        Assert.NotNull(served.Statistical);
        Assert.Equal((1, 1), (served.Personalisation.IntervalScale80, served.Personalisation.IntervalScale95));
        Assert.Equal(0, served.Personalisation.BacktestOrigins);
        for (var h = 1; h <= 28; h++) Assert.Equal(_models.Ensemble(ObservationType.Mood).MemberWeights(h), served.Personalisation.Weights[h - 1]);
    }

    [Fact]
    public async Task A_patient_unlike_the_training_cohort_moves_weight_to_the_member_that_fits_them()
    {
        var observations = WeekendSwing();
        var personalised = new PersonalisedForecaster(_models, new PersonalisationOptions { Rule = PersonalisationRule.Shrinkage });

        var served = (await personalised.ForecastAsync(observations, ObservationType.Mood, null, Predict))!;

        var p = served.Personalisation;
        var origins = _models.Ensemble(ObservationType.Mood).PersonalisationBacktestOrigins; // the set's own (12 from 0.7.0)
        Assert.Equal(origins, p.BacktestOrigins);
        Assert.Equal(PersonalisationRule.Shrinkage, p.Rule);
        var week = p.Groups[0];
        Assert.True(week.PatientWeights[2] >= 0.5, $"patient weights {string.Join(", ", week.PatientWeights)}");
        Assert.True(week.BacktestMae["statistical"] < week.BacktestMae["global_weights"], string.Join(", ", week.BacktestMae));
        Assert.True(p.Weights[0][2] > 0.3, $"statistical weight at h1 {p.Weights[0][2]}");
        Assert.Contains($"{origins} past origins", p.Reason);
        for (var h = 0; h < 28; h++)
        {
            Assert.Equal(1, p.Weights[h].Sum(), 9);
            Assert.True(served.Lower95[h] <= served.Lower80[h] && served.Lower80[h] <= served.Mean[h] && served.Mean[h] <= served.Upper80[h] && served.Upper80[h] <= served.Upper95[h]);
        }
        // The forecast follows the patient's week: the next Saturday well above the next Wednesday.
        int Ahead(DayOfWeek dow) => Enumerable.Range(1, 7).First(h => LastDay.AddDays(h).DayOfWeek == dow);
        Assert.True(served.Mean[Ahead(DayOfWeek.Saturday) - 1] - served.Mean[Ahead(DayOfWeek.Wednesday) - 1] > 2.5,
            $"Saturday {served.Mean[Ahead(DayOfWeek.Saturday) - 1]:F2}, Wednesday {served.Mean[Ahead(DayOfWeek.Wednesday) - 1]:F2}");
    }

    [Fact]
    public async Task Under_the_ensemble_or_member_rule_such_a_patient_is_served_the_member_alone_with_its_own_intervals()
    {
        var observations = WeekendSwing();
        var served = (await new PersonalisedForecaster(_models, new PersonalisationOptions { Rule = PersonalisationRule.EnsembleOrMember })
            .ForecastAsync(observations, ObservationType.Mood, null, Predict))!;

        var p = served.Personalisation;
        Assert.True(p.MemberAlone, p.Reason);
        Assert.True(p.Choice!.MemberMae < p.Choice.EnsembleMae);
        Assert.Equal(_models.Ensemble(ObservationType.Mood).PersonalisationBacktestOrigins, p.Choice.Origins);
        var mood = ObservationType.Mood;
        // The member's own forecast, fitted on the same days, and its Gaussian intervals × the patient's scales.
        var series = Enumerable.Range(0, 180).Select(d => observations[d].Value).ToArray();
        var member = StatisticalMember.Forecast(series, 28, _models.Ensemble(ObservationType.Mood).StatisticalMemberKind)!;
        var ratio = 0.0;
        for (var h = 0; h < 28; h++)
        {
            var sd = Math.Sqrt(member.Variance[h]);
            var half80 = StatisticalMember.HalfWidth(sd, 0.8) * p.IntervalScale80;
            var half95 = Math.Max(StatisticalMember.HalfWidth(sd, 0.95) * p.IntervalScale95, half80);
            Assert.Equal(Math.Clamp(member.Mean[h], mood.Min, mood.Max), served.Mean[h], 9);
            Assert.Equal(Math.Max(member.Mean[h] - half80, mood.Min), served.Lower80[h], 9);
            Assert.Equal(Math.Min(member.Mean[h] + half95, mood.Max), served.Upper95[h], 9);
            ratio += half80 / served.CalibratedHalfWidth80[h] / 28;
        }
        // The confidence flag reads the served width against the calibrated one, not the (member-relative) scale.
        Assert.Equal(ratio, served.IntervalWidthRatio80, 9);
    }

    /// <summary>
    /// A strong weekday/weekend swing (mood 3 on weekdays, 8 at weekends) with little noise: nothing like the training
    /// simulator, and exactly what a weekly seasonal model of the patient's own history captures.
    /// </summary>
    private static List<Observation> WeekendSwing()
    {
        var random = new Random(5);
        var start = LastDay.AddDays(-179);
        return [.. Enumerable.Range(0, 180).Select(d =>
        {
            var day = start.AddDays(d);
            var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            var value = Math.Round((weekend ? 8 : 3) + 0.3 * (random.NextDouble() - 0.5), 2);
            return new Observation(new DateTimeOffset(day.ToDateTime(new TimeOnly(20, 0)), TimeSpan.Zero), ObservationType.Mood, value);
        })];
    }
}
