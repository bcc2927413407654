using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Ml.Forecasting.Personalised;
using NovaMind.Ml.Forecasting.Statistical;

namespace NovaMind.Ml.Forecasting;

/// <summary>A served forecast: the personalised ensemble with its intervals, each member's forecast and how the weights were chosen.</summary>
public sealed record PersonalisedForecastOutput(
    DateOnly Origin, double[] Mean, double[] Lower80, double[] Upper80, double[] Lower95, double[] Upper95,
    SymptomForecastOutput Models, double[]? Statistical, Personalisation Personalisation)
{
    /// <summary>XGBoost's feature row at the origin (what drift monitoring reads the monitored inputs from).</summary>
    public float[] InputFeatures { get; init; } = [];

    /// <summary>The calibrated (global, before personalisation) 80 % half-width per horizon.</summary>
    public double[] CalibratedHalfWidth80 { get; init; } = [];

    /// <summary>The served 80 % half-width over the calibrated one, averaged over horizons (before clamping to the symptom's scale).</summary>
    public double IntervalWidthRatio80 { get; init; } = 1;
}

/// <summary>
/// The ensemble as the twin serves it (issue 13): the Transformer and XGBoost (batched through <c>predict</c>, i.e. the
/// silo's inference scheduler) and the per-patient statistical member, at the forecast origin and at up to
/// <see cref="PersonalisationOptions.BacktestOrigins"/> past origins of the patient's own history; the past origins'
/// errors personalise the weights and scale the intervals (<see cref="PersonalisedCombination"/>). Each backtest forecast
/// sees only the days up to its origin. CPU work (the statistical fits) runs on the caller's thread.
/// </summary>
public sealed class PersonalisedForecaster(SymptomForecaster models, PersonalisationOptions options)
{
    public SymptomForecaster Models { get; } = models;
    public PersonalisationOptions Options { get; } = options.Validated();

    /// <summary>Forecasts <paramref name="symptom"/>, or null when the history is too short (<see cref="ForecastHistory"/>).</summary>
    public async Task<PersonalisedForecastOutput?> ForecastAsync(IReadOnlyList<Observation> observations, ObservationType symptom,
        IReadOnlyList<DateOnly>? medicationStarts, Func<IReadOnlyList<SymptomForecastInput>, Task<SymptomForecastOutput[]>> predict)
    {
        if (Models.Prepare(observations, symptom, medicationStarts) is not { } current) return null;
        var ensemble = Models.Ensemble(symptom);
        var horizon = ensemble.Horizons.Length;
        var origin = current.Origin;
        // The set's own rule and origin count unless the configuration names others (a set's numbers hold for its own).
        var options = Options.For(ensemble.PersonalisationRule, ensemble.PersonalisationBacktestOrigins, ensemble.PersonalisationIntervalPriorOrigins);

        // The patient's daily series of the symptom up to the origin (NaN where unobserved).
        var firstDay = observations.Where(o => o.Type == symptom).Min(o => DateOnly.FromDateTime(o.Time.UtcDateTime.Date));
        var daily = DailySeries.Build(observations, symptom, origin, origin.DayNumber - firstDay.DayNumber + 1);
        var series = daily.Values.Select((v, i) => daily.Observed[i] ? v : double.NaN).ToArray();

        // Past origins every OriginSpacingDays back, each an observed day whose own forecast the models can prepare.
        var past = new List<SymptomForecastInput>();
        for (var k = options.BacktestOrigins!.Value; k >= 1; k--)
        {
            var day = origin.AddDays(-k * options.OriginSpacingDays);
            var index = day.DayNumber - daily.Start.DayNumber;
            if (index < 0 || !daily.Observed[index]) continue;
            var until = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
            var upTo = observations.Where(o => o.Time.UtcDateTime < until).ToList();
            if (Models.Prepare(upTo, symptom, medicationStarts) is { } input && input.Origin == day) past.Add(input);
        }

        var predicted = predict([current, .. past]);
        var statisticalNow = StatisticalMember.Forecast(series, horizon, ensemble.StatisticalMemberKind);
        var statisticalPast = StatisticalMember.Backtest(series, [.. past.Select(p => p.Origin.DayNumber - daily.Start.DayNumber)], horizon, ensemble.StatisticalMemberKind);
        var outputs = await predicted.ConfigureAwait(false);

        var backtest = new List<BacktestOrigin>();
        for (var k = 0; k < past.Count; k++)
        {
            var o = outputs[k + 1];
            var at = past[k].Origin.DayNumber - daily.Start.DayNumber;
            var actual = new double[horizon];
            var (halfWidth80, halfWidth95) = (new double[horizon], new double[horizon]);
            for (var h = 1; h <= horizon; h++)
            {
                actual[h - 1] = at + h < series.Length ? series[at + h] : double.NaN;
                var sd = Math.Max(o.TransformerSd[h - 1], 1e-6);
                halfWidth80[h - 1] = ensemble.HalfWidth(h, SplitConformal.Level80, sd);
                halfWidth95[h - 1] = ensemble.HalfWidth(h, SplitConformal.Level95, sd);
            }
            var member = statisticalPast[k];
            backtest.Add(new BacktestOrigin(new MemberForecasts(o.Transformer, o.XGBoost, member?.Mean) { StatisticalSd = member is null ? null : Sd(member) },
                actual, halfWidth80, halfWidth95));
        }
        var personalisation = PersonalisedCombination.Personalise(
            [.. Enumerable.Range(1, horizon).Select(ensemble.MemberWeights)], backtest, statisticalNow is not null, options);

        var now = outputs[0];
        var result = new PersonalisedForecastOutput(origin, new double[horizon], new double[horizon], new double[horizon], new double[horizon], new double[horizon],
            now, statisticalNow?.Mean, personalisation)
        {
            InputFeatures = current.Features,
            CalibratedHalfWidth80 = [.. Enumerable.Range(1, horizon).Select(h => ensemble.HalfWidth(h, SplitConformal.Level80, Math.Max(now.TransformerSd[h - 1], 1e-6)))],
        };
        // The member alone (the ensemble-or-member rule's choice) is served with its own predictive intervals.
        var memberSd = personalisation.MemberAlone ? Sd(statisticalNow!) : null;
        var widthRatio = 0.0;
        for (var h = 1; h <= horizon; h++)
        {
            var w = personalisation.Weights[h - 1];
            var mean = PersonalisedCombination.Combine(w, now.Transformer[h - 1], now.XGBoost[h - 1], statisticalNow?.Mean[h - 1] ?? 0);
            var sd = Math.Max(now.TransformerSd[h - 1], 1e-6);
            var (base80, base95) = memberSd is null
                ? (ensemble.HalfWidth(h, SplitConformal.Level80, sd), ensemble.HalfWidth(h, SplitConformal.Level95, sd))
                : (StatisticalMember.HalfWidth(memberSd[h - 1], SplitConformal.Level80), StatisticalMember.HalfWidth(memberSd[h - 1], SplitConformal.Level95));
            var half80 = base80 * personalisation.IntervalScale80;
            // The 95 % interval never narrower than the 80 % one, whatever the two scales.
            var half95 = Math.Max(base95 * personalisation.IntervalScale95, half80);
            widthRatio += half80 / Math.Max(result.CalibratedHalfWidth80[h - 1], 1e-9) / horizon;
            // Scores live on the symptom's scale: a value outside it cannot happen, so clamping loses no coverage.
            result.Mean[h - 1] = Math.Clamp(mean, symptom.Min, symptom.Max);
            (result.Lower80[h - 1], result.Upper80[h - 1]) = (Math.Max(mean - half80, symptom.Min), Math.Min(mean + half80, symptom.Max));
            (result.Lower95[h - 1], result.Upper95[h - 1]) = (Math.Max(mean - half95, symptom.Min), Math.Min(mean + half95, symptom.Max));
        }
        return result with { IntervalWidthRatio80 = personalisation.MemberAlone ? widthRatio : personalisation.IntervalScale80 };
    }

    private static double[] Sd(StatisticalForecast f) => [.. f.Variance.Select(v => Math.Sqrt(Math.Max(v, 0)))];
}
