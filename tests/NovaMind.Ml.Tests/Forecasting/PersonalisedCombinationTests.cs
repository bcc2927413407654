using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Forecasting.Personalised;

namespace NovaMind.Ml.Tests.Forecasting;

/// <summary>Personalised weights and interval scale: known answers from planted backtests.</summary>
public sealed class PersonalisedCombinationTests
{
    private const int H = 14;
    private static readonly PersonalisationOptions Options = new() { PriorOrigins = 4, GroupEnds = [7, 14] };

    private static double[][] Global(double t, double x, double s) => [.. Enumerable.Range(0, H).Select(_ => new[] { t, x, s })];

    /// <summary>An origin whose members forecast <paramref name="t"/>, <paramref name="x"/>, <paramref name="s"/> and whose actuals are observed for horizons 1..<paramref name="observedTo"/>.</summary>
    private static BacktestOrigin Origin(Func<int, double> actual, Func<int, double> t, Func<int, double> x, Func<int, double>? s, int observedTo = H,
        double halfWidth80 = 1, double halfWidth95 = 1.5, double? memberSd = null)
    {
        double[] Row(Func<int, double> f) => [.. Enumerable.Range(1, H).Select(f)];
        return new BacktestOrigin(new MemberForecasts(Row(t), Row(x), s is null ? null : Row(s)) { StatisticalSd = memberSd is { } sd ? Row(_ => sd) : null },
            [.. Enumerable.Range(1, H).Select(h => h <= observedTo ? actual(h) : double.NaN)], [.. Enumerable.Repeat(halfWidth80, H)], [.. Enumerable.Repeat(halfWidth95, H)]);
    }

    [Fact]
    public void Without_a_backtest_the_global_weights_and_intervals_are_used()
    {
        var p = PersonalisedCombination.Personalise(Global(0.5, 0.3, 0.2), [], statistical: true, Options);

        Assert.All(p.Weights, w => Assert.Equal([0.5, 0.3, 0.2], w));
        Assert.Equal((1, 1), (p.IntervalScale80, p.IntervalScale95));
        Assert.Equal(0, p.BacktestOrigins);
        Assert.Empty(p.Groups);
        Assert.Contains("global weights and intervals are used unchanged", p.Reason);
    }

    [Fact]
    public void A_statistical_member_that_could_not_be_fitted_gives_its_weight_to_the_others_in_proportion()
    {
        var p = PersonalisedCombination.Personalise(Global(0.5, 0.3, 0.2), [], statistical: false, Options);

        Assert.All(p.Weights, w => { Assert.Equal(0.625, w[0], 12); Assert.Equal(0.375, w[1], 12); Assert.Equal(0, w[2]); });
    }

    [Fact]
    public void The_best_weights_find_the_exact_member()
    {
        (double, double, double, double)[] points = [(1, 5, 3, 3), (2, 0, 4, 4), (7, 1, 2, 2), (4, 4, 6, 6)];

        var (w, mae) = PersonalisedCombination.BestWeights(points, [0.4, 0.6, 0], statistical: true, step: 0.1);

        Assert.Equal([0, 0, 1], w);
        Assert.Equal(0, mae, 12);
        // Without the statistical member the best mix of the other two is searched on the line w_S = 0.
        var (w2, _) = PersonalisedCombination.BestWeights(points, [0.4, 0.6, 0], statistical: false, step: 0.1);
        Assert.Equal(0, w2[2]);
    }

    [Fact]
    public void When_the_backtest_cannot_tell_the_members_apart_the_weights_stay_nearest_the_prior()
    {
        (double, double, double, double)[] points = [(3, 3, 3, 4), (5, 5, 5, 2)];

        var (w, _) = PersonalisedCombination.BestWeights(points, [0.3, 0.5, 0.2], statistical: true, step: 0.1);

        Assert.Equal(0.3, w[0], 12);
        Assert.Equal(0.5, w[1], 12);
        Assert.Equal(0.2, w[2], 12);
    }

    [Theory]
    [InlineData(1, 0.8)]   // λ = 4 / 5
    [InlineData(4, 0.5)]
    [InlineData(12, 0.25)]
    [InlineData(36, 0.1)]
    public void Weights_move_from_the_global_ones_toward_the_patients_best_as_origins_accumulate(int origins, double lambda)
    {
        // The statistical member is exact on this patient; the others are 2 and 1 too high (no mix of them is exact).
        var backtest = Enumerable.Range(0, origins)
            .Select(k => Origin(h => 10 + Math.Sin(k + h), h => 12 + Math.Sin(k + h), h => 11 + Math.Sin(k + h), h => 10 + Math.Sin(k + h)))
            .ToList();
        var global = Global(0.6, 0.4, 0);

        var p = PersonalisedCombination.Personalise(global, backtest, statistical: true, Options);

        Assert.Equal(origins, p.BacktestOrigins);
        Assert.Equal(2, p.Groups.Count);
        foreach (var g in p.Groups)
        {
            Assert.Equal(lambda, g.Shrinkage, 12);
            Assert.Equal([0, 0, 1], g.PatientWeights);
            Assert.Equal(0, g.BacktestMae["patient_best_weights"], 12);
            Assert.Equal(0, g.BacktestMae["statistical"], 12);
        }
        for (var h = 0; h < H; h++)
        {
            Assert.Equal(lambda * 0.6, p.Weights[h][0], 12);
            Assert.Equal(lambda * 0.4, p.Weights[h][1], 12);
            Assert.Equal(1 - lambda, p.Weights[h][2], 12);
            Assert.Equal(1, p.Weights[h].Sum(), 12);
        }
    }

    private static readonly PersonalisationOptions CrossValidated = Options with { Rule = PersonalisationRule.CrossValidated };

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(16)]
    public void Cross_validation_trusts_a_member_that_is_exact_on_every_held_out_origin_fully(int origins)
    {
        // The statistical member is exact on this patient, the others 2 and 1 too high: whichever origin is left out, the
        // others' best weights are [0, 0, 1] and exact on it, so λ = 0 wins whatever the number of origins.
        var backtest = Enumerable.Range(0, origins)
            .Select(k => Origin(h => 10 + Math.Sin(k + h), h => 12 + Math.Sin(k + h), h => 11 + Math.Sin(k + h), h => 10 + Math.Sin(k + h)))
            .ToList();

        var p = PersonalisedCombination.Personalise(Global(0.6, 0.4, 0), backtest, statistical: true, CrossValidated);

        Assert.Equal(PersonalisationRule.CrossValidated, p.Rule);
        foreach (var g in p.Groups)
        {
            Assert.Equal(0, g.Shrinkage);
            Assert.Equal(0, g.CrossValidatedMae!["0"], 12);
            // At λ = 1 the held-out score is the global weights' own backtest MAE: leaving an origin out does not change them.
            Assert.Equal(g.BacktestMae["global_weights"], g.CrossValidatedMae["1"], 12);
            Assert.Equal(0.6 * 2 + 0.4 * 1, g.CrossValidatedMae["1"], 12);
            Assert.Equal([1, 0.75, 0.5, 0.25, 0], g.CrossValidatedMae.Keys.Select(k => double.Parse(k, System.Globalization.CultureInfo.InvariantCulture)));
        }
        Assert.All(p.Weights, w => Assert.Equal([0, 0, 1], w));
        Assert.Contains("leaving each origin out", p.Reason);
    }

    [Fact]
    public void Cross_validation_keeps_the_global_weights_when_they_are_already_the_best()
    {
        // The outcome is exactly the global mix 0.6 T + 0.4 X: nothing beats it, and ties go to λ = 1.
        var backtest = Enumerable.Range(0, 8)
            .Select(k => Origin(h => 0.6 * (10 + k) + 0.4 * (5 + h), h => 10 + k, h => 5 + h, h => 3 + (k * h) % 5))
            .ToList();

        var p = PersonalisedCombination.Personalise(Global(0.6, 0.4, 0), backtest, statistical: true, CrossValidated);

        Assert.All(p.Groups, g => Assert.Equal(1, g.Shrinkage));
        Assert.All(p.Weights, w => { Assert.Equal(0.6, w[0], 12); Assert.Equal(0.4, w[1], 12); Assert.Equal(0, w[2], 12); });
    }

    [Fact]
    public void When_no_member_is_really_better_cross_validation_mostly_keeps_the_global_weights()
    {
        // 200 patients whose three members are equally good (each the outcome plus independent noise): any patient's "best"
        // weights are noise fitted to 8 origins. Held out, they do no better than the global weights, so cross-validation
        // keeps λ = 1 for most groups and stays nearer the global weights than the shrinkage rule, which always moves
        // 8/12 of the way (n₀ = 4) toward the in-sample best.
        var random = new Random(20261201);
        double Noise() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double[] global = [0.4, 0.3, 0.3];
        var (kept, groups, crossValidatedDistance, shrinkageDistance) = (0, 0, 0.0, 0.0);
        for (var patient = 0; patient < 200; patient++)
        {
            var backtest = Enumerable.Range(0, 8).Select(_ =>
            {
                var y = Enumerable.Range(0, H).Select(_ => 10 + Noise()).ToArray();
                double[] Member() => [.. y.Select(v => v + Noise())];
                var (t, x, st) = (Member(), Member(), Member());
                return Origin(h => y[h - 1], h => t[h - 1], h => x[h - 1], h => st[h - 1]);
            }).ToList();
            var cv = PersonalisedCombination.Personalise(Global(0.4, 0.3, 0.3), backtest, statistical: true, CrossValidated);
            var shrunk = PersonalisedCombination.Personalise(Global(0.4, 0.3, 0.3), backtest, statistical: true, Options);
            kept += cv.Groups.Count(g => g.Shrinkage == 1);
            groups += cv.Groups.Count;
            crossValidatedDistance += cv.Weights.Sum(w => w.Zip(global).Sum(p => Math.Abs(p.First - p.Second)));
            shrinkageDistance += shrunk.Weights.Sum(w => w.Zip(global).Sum(p => Math.Abs(p.First - p.Second)));
        }

        Assert.True(kept > groups / 2, $"λ = 1 in {kept} of {groups} groups");
        Assert.True(crossValidatedDistance < shrinkageDistance / 2, $"distance from the global weights: cross-validated {crossValidatedDistance:F1}, shrinkage {shrinkageDistance:F1}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void With_fewer_origins_than_cross_validation_needs_the_global_weights_and_intervals_are_kept(int origins)
    {
        var backtest = Enumerable.Range(0, origins).Select(k => Origin(h => 10, h => 12, h => 11, h => 10, halfWidth80: 0.5, halfWidth95: 1)).ToList();

        var p = PersonalisedCombination.Personalise(Global(0.6, 0.4, 0), backtest, statistical: true, CrossValidated);

        Assert.All(p.Weights, w => Assert.Equal([0.6, 0.4, 0], w));
        Assert.Equal((1, 1), (p.IntervalScale80, p.IntervalScale95));
        Assert.Equal((1, 1), (p.IntervalShrinkage80, p.IntervalShrinkage95));
        if (origins > 0) Assert.Contains($"only {origins} backtest origin(s)", p.Reason);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(0.6)]
    public void Cross_validated_interval_scales_take_the_patients_steady_error_ratio_in_full(double ratio)
    {
        // Every member forecasts the same value; the outcome lies ratio × the 80 % half-width away at every point. Any
        // scale below the ratio misses every point (interval score grows by 2/α per unit missed), any above it only widens:
        // the interval score is lowest at the ratio itself, so the shrinkage is 0.
        var backtest = Enumerable.Range(0, 6)
            .Select(k => Origin(h => 20 + ((k + h) % 2 == 0 ? 1 : -1) * ratio * 1.5, h => 20, h => 20, h => 20, halfWidth80: 1.5, halfWidth95: 2.25))
            .ToList();

        var p = PersonalisedCombination.Personalise(Global(0.5, 0.5, 0), backtest, statistical: true, CrossValidated);

        Assert.Equal((0, 0), (p.IntervalShrinkage80, p.IntervalShrinkage95));
        Assert.Equal(ratio, p.IntervalScale80, 9);
        Assert.Equal(Math.Max(ratio * 2 / 3, 0.5), p.IntervalScale95, 9);
        // The shrinkage rule with n₀ = 4 would keep only 6/10 of the log ratio.
        var shrunk = PersonalisedCombination.Personalise(Global(0.5, 0.5, 0), backtest, statistical: true, Options);
        Assert.Equal(Math.Pow(ratio, 0.6), shrunk.IntervalScale80, 9);
    }

    [Fact]
    public void A_horizon_group_with_no_observed_outcome_keeps_the_global_weights()
    {
        // Outcomes observed only for horizons 1..5: the 8–14 group has nothing to learn from.
        var backtest = Enumerable.Range(0, 6).Select(k => Origin(h => 5 + k % 3, h => 9, h => 1, h => 5 + k % 3, observedTo: 5)).ToList();

        var p = PersonalisedCombination.Personalise(Global(0.5, 0.5, 0), backtest, statistical: true, Options);

        var group = Assert.Single(p.Groups);
        Assert.Equal((1, 7, 6, 30), (group.FirstHorizon, group.LastHorizon, group.Origins, group.Points));
        Assert.Equal(0.6, p.Weights[0][2], 12); // λ = 4 / (4 + 6) = 0.4 of the global 0, 0.6 of the patient's 1
        for (var h = 7; h < H; h++) Assert.Equal([0.5, 0.5, 0], p.Weights[h]);
    }

    [Theory]
    [InlineData(2.0, 12, 1.6817928305074290, 1.2408064788027995)] // 2^0.75 and (4/3)^0.75: λ = 4/16, the log scale keeps 75 %
    [InlineData(0.5, 12, 0.5946035575013605, 0.5)]                // 0.5^0.75; (1/3)^0.75 = 0.44 clamped to the minimum
    [InlineData(2.0, 4, 1.4142135623730951, 1.1547005383792515)]  // 2^0.5 and (4/3)^0.5
    [InlineData(10.0, 36, 3.0, 3.0)]                              // 10^0.9 = 7.9 and (20/3)^0.9 = 5.5, clamped to the maximum
    public void Each_interval_scale_is_the_patients_error_ratio_at_its_level_shrunk_toward_one(double ratio, int origins, double expected80, double expected95)
    {
        // Every member forecasts the same value, so any weights give it; the outcome lies ratio × the 80 % half-width (1.5)
        // away, which is ratio × 2/3 of the 95 % half-width (2.25).
        var backtest = Enumerable.Range(0, origins)
            .Select(k => Origin(h => 20 + ((k + h) % 2 == 0 ? 1 : -1) * ratio * 1.5, h => 20, h => 20, h => 20, halfWidth80: 1.5, halfWidth95: 2.25))
            .ToList();

        var p = PersonalisedCombination.Personalise(Global(0.5, 0.5, 0), backtest, statistical: true, Options);

        Assert.Equal(ratio, p.BacktestIntervalScale80, 9);
        Assert.Equal(ratio * 2 / 3, p.BacktestIntervalScale95, 9);
        Assert.Equal(expected80, p.IntervalScale80, 9);
        Assert.Equal(expected95, p.IntervalScale95, 9);
        Assert.Equal(origins * H, p.ScoredPoints);
    }

    [Theory]
    [InlineData(null, 2.0, 12, 1.6817928305074290, 0.25)]  // no interval prior: the weights' n₀ = 4, λ = 4/16
    [InlineData(0.0, 2.0, 12, 2.0, 0.0)]                  // n₀ᵢ = 0: the patient's own conformal scale
    [InlineData(0.0, 0.4, 12, 0.5, 0.0)]                  // … still clamped to the minimum
    [InlineData(12.0, 2.0, 12, 1.4142135623730951, 0.5)]  // n₀ᵢ = 12: half way, 2^0.5
    [InlineData(0.0, 2.0, 0, 1.0, 1.0)]                   // no origin: the global intervals, whatever n₀ᵢ
    public void The_interval_scales_have_their_own_prior_strength_and_the_weights_keep_theirs(double? intervalPrior, double ratio, int origins,
        double expected80, double expectedShrinkage)
    {
        var backtest = Enumerable.Range(0, origins)
            .Select(k => Origin(h => 20 + ((k + h) % 2 == 0 ? 1 : -1) * ratio * 1.5, h => 20, h => 20, h => 20, halfWidth80: 1.5, halfWidth95: 2.25))
            .ToList();
        var options = Options with { IntervalPriorOrigins = intervalPrior };

        var p = PersonalisedCombination.Personalise(Global(0.5, 0.5, 0), backtest, statistical: true, options);
        var weightsOnly = PersonalisedCombination.Personalise(Global(0.5, 0.5, 0), backtest, statistical: true, Options);

        Assert.Equal(expected80, p.IntervalScale80, 9);
        Assert.Equal(expectedShrinkage, p.IntervalShrinkage80, 12);
        Assert.Equal(weightsOnly.Weights, p.Weights); // the weights' shrinkage does not depend on the interval prior
        Assert.Equal(weightsOnly.Groups.Select(g => g.Shrinkage), p.Groups.Select(g => g.Shrinkage));
        if (origins > 0) Assert.Contains(intervalPrior switch { null => "by n₀/(n₀ + origins)", 0 => "the patient's own conformal scale", _ => "n₀ᵢ = 12" }, p.Reason);
    }

    [Fact]
    public void A_member_without_predictive_variance_is_never_served_alone()
    {
        // The member is exact on every backtest point but its state-space variance is zero (a constant history): its own
        // intervals would have zero width, so its points are not scored and the ensemble is served.
        var backtest = Enumerable.Range(0, 8).Select(_ => Origin(h => 10, h => 15, h => 15, h => 10, memberSd: 0)).ToList();

        var p = PersonalisedCombination.Personalise(Global(0.6, 0.4, 0), backtest, statistical: true, EnsembleOrMember);

        Assert.False(p.MemberAlone);
        Assert.Equal(0, p.Choice!.Origins);
        Assert.Contains("the ensemble is served", p.Reason);
    }

    [Fact]
    public void The_members_own_intervals_take_the_interval_prior_too()
    {
        var backtest = Enumerable.Range(0, 8)
            .Select(k => Origin(h => 10, h => 15, h => 15, h => 10 + ((k + h) % 2 == 0 ? 0.5 : -2.5), memberSd: 1))
            .ToList();

        var p = PersonalisedCombination.Personalise(Global(0.6, 0.4, 0), backtest, statistical: true, EnsembleOrMember with { IntervalPriorOrigins = 0 });

        Assert.True(p.MemberAlone);
        Assert.Equal(p.BacktestIntervalScale80, p.IntervalScale80, 12);
        Assert.Equal(p.BacktestIntervalScale95, p.IntervalScale95, 12);
        Assert.Equal(0, p.IntervalShrinkage95);
        Assert.Contains("the patient's own conformal scale", p.Reason);
    }

    [Fact]
    public void Heavy_tails_widen_the_95_percent_interval_more_than_the_80_percent_one()
    {
        // Nine errors in ten are small (0.5 × the 80 % half-width); one in ten is large (3 ×): the 80 % quantile is small,
        // the 95 % one large.
        var backtest = Enumerable.Range(0, 40)
            .Select(k => Origin(h => 20 + ((k * H + h) % 10 == 0 ? 3 : 0.5), h => 20, h => 20, h => 20, halfWidth80: 1, halfWidth95: 1.5))
            .ToList();

        var p = PersonalisedCombination.Personalise(Global(0.5, 0.5, 0), backtest, statistical: true, Options);

        Assert.Equal(0.5, p.BacktestIntervalScale80, 9);
        Assert.Equal(2, p.BacktestIntervalScale95, 9);
        Assert.True(p.IntervalScale95 > 1 && p.IntervalScale80 < 1, $"{p.IntervalScale80} {p.IntervalScale95}");
    }

    [Fact]
    public void Backtest_origins_without_a_statistical_forecast_are_not_scored_when_it_is_weighed()
    {
        var backtest = new List<BacktestOrigin>
        {
            Origin(h => 1, h => 1, h => 1, null),
            Origin(h => 1, h => 1, h => 1, h => 1),
        };

        Assert.Equal(1, PersonalisedCombination.Personalise(Global(0.5, 0.5, 0), backtest, statistical: true, Options).BacktestOrigins);
        Assert.Equal(2, PersonalisedCombination.Personalise(Global(0.5, 0.5, 0), backtest, statistical: false, Options).BacktestOrigins);
    }

    [Theory]
    [InlineData(0.8, 9)]   // ⌈11 · 0.8⌉ = 9th smallest of 1..10
    [InlineData(0.95, 10)] // ⌈10.45⌉ = 11 > n: the largest
    [InlineData(0.5, 6)]
    public void The_conformal_quantile_is_the_finite_sample_one(double level, double expected)
    {
        Assert.Equal(expected, PersonalisedCombination.ConformalQuantile([10, 3, 1, 7, 2, 9, 4, 8, 6, 5], level));
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0)]
    [InlineData(-1)]
    public void Options_refuse_a_weight_step_that_does_not_divide_one_or_a_negative_prior(double step)
    {
        Assert.ThrowsAny<ArgumentException>(() => new PersonalisationOptions { WeightStep = step }.Validated());
        Assert.ThrowsAny<ArgumentException>(() => new PersonalisationOptions { PriorOrigins = -1 }.Validated());
        Assert.ThrowsAny<ArgumentException>(() => new PersonalisationOptions { IntervalPriorOrigins = -1 }.Validated());
        Assert.ThrowsAny<ArgumentException>(() => new PersonalisationOptions { GroupEnds = [14, 7] }.Validated());
    }

    [Fact]
    public void Global_simplex_weights_find_the_exact_member_per_horizon_and_shrink_toward_the_prior()
    {
        // Rows × 3 horizons: the statistical member is exact at horizon 1, the Transformer at 2 and 3 (no pooling).
        var rng = new Random(4);
        var y = Enumerable.Range(0, 40).Select(_ => new[] { rng.NextDouble() * 10, rng.NextDouble() * 10, rng.NextDouble() * 10 }).ToList();
        var t = y.Select(r => new[] { r[0] + 2, r[1], r[2] }).ToList();
        var x = y.Select(r => new[] { r[0] + 1, r[1] + 1, r[2] + 3 }).ToList();
        var s = y.Select(r => new[] { r[0], r[1] + 2, r[2] + 2 }).ToList();
        double[] prior = [0.7, 0.3, 0];

        var w = ForecastEnsembleMath.PooledSimplexWeights(t, x, s, y, prior, radius: 0, step: 0.05);

        Assert.Equal([0, 0, 1], w[0]);
        Assert.Equal([1, 0, 0], w[1]);
        Assert.Equal([1, 0, 0], w[2]);
        Assert.Equal(0, ForecastEnsembleMath.MeanMae(t, x, s, y, w), 12);
        var shrunk = ForecastEnsembleMath.ShrinkSimplex(w, prior, 0.25);
        Assert.Equal(0.25 * 0.7, shrunk[0][0], 12);
        Assert.Equal(0.25 * 0.3, shrunk[0][1], 12);
        Assert.Equal(0.75, shrunk[0][2], 12);
        // Cross-fitting on folds that all agree: no shrinkage is best.
        IReadOnlyList<IReadOnlyList<int>> folds = [[.. Enumerable.Range(0, 20)], [.. Enumerable.Range(20, 20)]];
        var (lambda, scores) = ForecastEnsembleMath.ChooseSimplexShrinkage(t, x, s, y, folds, prior, [0, 0.5, 1], radius: 0);
        Assert.Equal(0, lambda);
        Assert.Equal(0, scores[0], 12);
        Assert.True(scores[2] > scores[1]);
    }

    private static readonly PersonalisationOptions EnsembleOrMember = Options with { Rule = PersonalisationRule.EnsembleOrMember };

    [Theory]
    // members' errors (Transformer, XGBoost, statistical) on every point; global weights [0.6, 0.4, 0] → ensemble error
    [InlineData(2.0, 1.0, 0.5, true)]   // ensemble 1.6 > member 0.5: the member alone
    [InlineData(0.5, 0.5, 1.0, false)]  // ensemble 0.5 < member 1.0: the ensemble
    [InlineData(1.0, 1.0, 1.0, false)]  // a tie keeps the ensemble
    [InlineData(-1.0, 1.0, 0.3, false)] // errors of opposite sign cancel in the mix: ensemble |−0.2| = 0.2 < 0.3
    public void The_member_alone_is_served_exactly_when_its_backtest_mae_is_below_the_global_ensembles(double tError, double xError, double sError, bool memberAlone)
    {
        var backtest = Enumerable.Range(0, 8)
            .Select(k => Origin(h => 10 + Math.Sin(k + h), h => 10 + tError + Math.Sin(k + h), h => 10 + xError + Math.Sin(k + h), h => 10 + sError + Math.Sin(k + h), memberSd: 1))
            .ToList();

        var p = PersonalisedCombination.Personalise(Global(0.6, 0.4, 0), backtest, statistical: true, EnsembleOrMember);

        Assert.Equal(PersonalisationRule.EnsembleOrMember, p.Rule);
        Assert.Equal(memberAlone, p.MemberAlone);
        Assert.Equal((8, 8 * H), (p.Choice!.Origins, p.Choice.Points));
        Assert.Equal(Math.Abs(0.6 * tError + 0.4 * xError), p.Choice.EnsembleMae!.Value, 12);
        Assert.Equal(Math.Abs(sError), p.Choice.MemberMae!.Value, 12);
        // The ensemble candidate is exactly what the shrinkage rule serves.
        var shrinkage = PersonalisedCombination.Personalise(Global(0.6, 0.4, 0), backtest, statistical: true, Options);
        if (memberAlone)
        {
            Assert.All(p.Weights, w => Assert.Equal([0, 0, 1], w));
            Assert.StartsWith("the statistical member alone is served", p.Reason);
        }
        else
        {
            Assert.Equal(shrinkage.Weights, p.Weights);
            Assert.Equal((shrinkage.IntervalScale80, shrinkage.IntervalScale95), (p.IntervalScale80, p.IntervalScale95));
            Assert.StartsWith("the ensemble is served", p.Reason);
        }
        Assert.Equal(shrinkage.Groups.Select(g => g.PatientWeights), p.Groups.Select(g => g.PatientWeights));
    }

    [Fact]
    public void The_members_own_intervals_are_scaled_by_its_backtest_errors_in_units_of_its_own_half_widths()
    {
        // The member's errors are ±0.5 and ±2.5 alternately and its sd is 1: in units of its own 80 % half-width (1.2816 · sd)
        // the errors are 0.39 and 1.95, so the 80 % conformal quantile of the ratios is 1.95 (more than 20 % of the errors are
        // the large ones); shrunk by n₀ / (n₀ + 8) = 4 / 12 toward 1 in log space.
        var backtest = Enumerable.Range(0, 8)
            .Select(k => Origin(h => 10, h => 15, h => 15, h => 10 + ((k + h) % 2 == 0 ? 0.5 : -2.5), memberSd: 1))
            .ToList();

        var p = PersonalisedCombination.Personalise(Global(0.6, 0.4, 0), backtest, statistical: true, EnsembleOrMember);

        Assert.True(p.MemberAlone);
        var z80 = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 0.9);
        var z95 = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 0.975);
        Assert.Equal(2.5 / z80, p.BacktestIntervalScale80, 9);
        Assert.Equal(2.5 / z95, p.BacktestIntervalScale95, 9);
        Assert.Equal(Math.Pow(2.5 / z80, 8.0 / 12), p.IntervalScale80, 9);
        Assert.Equal(Math.Pow(2.5 / z95, 8.0 / 12), p.IntervalScale95, 9);
        Assert.Equal(4.0 / 12, p.IntervalShrinkage80, 12);
    }

    [Fact]
    public void Too_few_origins_no_member_or_no_member_sd_keep_the_ensemble()
    {
        Personalisation Run(int origins, bool statistical, double? sd) => PersonalisedCombination.Personalise(Global(0.6, 0.4, 0),
            [.. Enumerable.Range(0, origins).Select(k => Origin(h => 10, h => 12, h => 12, h => 10, memberSd: sd))], statistical, EnsembleOrMember);

        Assert.True(Run(3, true, 1).MemberAlone); // the threshold: three scored origins suffice
        var two = Run(2, true, 1);
        Assert.False(two.MemberAlone);
        Assert.Contains("only 2 backtest origin(s)", two.Reason);
        Assert.False(Run(8, false, 1).MemberAlone);
        Assert.All(Run(8, false, 1).Weights, w => Assert.Equal(0, w[2]));
        var noSd = Run(8, true, null);
        Assert.False(noSd.MemberAlone);
        Assert.Equal((0, null), (noSd.Choice!.Points, noSd.Choice.MemberMae));
    }

    [Theory]
    [InlineData(null, PersonalisationRule.Shrinkage)]
    [InlineData("shrinkage", PersonalisationRule.Shrinkage)]
    [InlineData("cross_validated", PersonalisationRule.CrossValidated)]
    [InlineData("ensemble_or_member", PersonalisationRule.EnsembleOrMember)]
    public void Rule_names_round_trip(string? name, PersonalisationRule rule)
    {
        Assert.Equal(rule, PersonalisationRecord.Parse(name));
        Assert.Equal(name ?? "shrinkage", PersonalisationRecord.Name(rule));
    }

    [Fact]
    public void A_set_serves_its_own_recorded_rule_and_sets_before_0_7_0_the_shrinkage_rule()
    {
        var before = ForecastEnsembleArtifacts.LoadEnsemble(Path.Combine(NovaMind.TestInfrastructure.RepoPaths.Models, "forecast", "0.6.0", "mood"));
        Assert.Null(before.Personalisation);
        Assert.Equal((PersonalisationRule.Shrinkage, 8), (before.PersonalisationRule, before.PersonalisationBacktestOrigins));

        var recorded = before with { Personalisation = new PersonalisationRecord("cross_validated", 12) };
        var json = System.Text.Json.JsonSerializer.Serialize(recorded, ForecastEnsembleReport.Json);
        Assert.Contains("\"personalisation\": {", json);
        var read = System.Text.Json.JsonSerializer.Deserialize<ForecastEnsembleMetadata>(json, ForecastEnsembleReport.Json)!;
        Assert.Equal((PersonalisationRule.CrossValidated, 12), (read.PersonalisationRule, read.PersonalisationBacktestOrigins));
        Assert.Throws<InvalidDataException>(() => (before with { Personalisation = new PersonalisationRecord("by_feel", 8) }).PersonalisationRule);

        // The configuration overrides only what it names; the set fills in the rest.
        Assert.Equal((PersonalisationRule.CrossValidated, 12), Resolved(new PersonalisationOptions()));
        Assert.Equal((PersonalisationRule.CrossValidated, 0), Resolved(new PersonalisationOptions { BacktestOrigins = 0 }));
        Assert.Equal((PersonalisationRule.Shrinkage, 12), Resolved(new PersonalisationOptions { Rule = PersonalisationRule.Shrinkage }));
        (PersonalisationRule, int) Resolved(PersonalisationOptions o)
        {
            var r = o.For(read.PersonalisationRule, read.PersonalisationBacktestOrigins);
            return (r.Rule!.Value, r.BacktestOrigins!.Value);
        }

        // The interval prior: absent in the sets so far (the weights' n₀); recorded and round-tripped where a set names one.
        Assert.Null(read.PersonalisationIntervalPriorOrigins);
        Assert.Equal(8, new PersonalisationOptions().For(read.PersonalisationRule, 12, read.PersonalisationIntervalPriorOrigins).IntervalPrior);
        var withPrior = System.Text.Json.JsonSerializer.Deserialize<ForecastEnsembleMetadata>(System.Text.Json.JsonSerializer.Serialize(
            before with { Personalisation = new PersonalisationRecord("ensemble_or_member", 8, 0) }, ForecastEnsembleReport.Json), ForecastEnsembleReport.Json)!;
        Assert.Equal(0, withPrior.PersonalisationIntervalPriorOrigins);
        Assert.Equal(0, new PersonalisationOptions().For(withPrior.PersonalisationRule, 8, withPrior.PersonalisationIntervalPriorOrigins).IntervalPrior);
        Assert.Equal(3, new PersonalisationOptions { IntervalPriorOrigins = 3 }.For(withPrior.PersonalisationRule, 8, withPrior.PersonalisationIntervalPriorOrigins).IntervalPrior);
    }
}
