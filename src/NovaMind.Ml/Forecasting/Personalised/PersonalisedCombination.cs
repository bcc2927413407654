using System.Globalization;
using NovaMind.Ml.Forecasting.Statistical;

namespace NovaMind.Ml.Forecasting.Personalised;

/// <summary>How far a patient's own backtest is trusted over the global weights and intervals.</summary>
public enum PersonalisationRule
{
    /// <summary>
    /// λ = n₀ / (n₀ + origins) toward the global weights, the interval scale shrunk toward 1 the same way (sets 0.4.0–0.6.0;
    /// an ensemble.json without <c>personalisation</c>).
    /// </summary>
    Shrinkage,

    /// <summary>
    /// λ and the interval scales' shrinkage chosen per patient by leave-one-origin-out cross-validation of the backtest
    /// (MAE for the weights, the interval score for the intervals); set 0.7.0, not promoted (ADR 0028).
    /// </summary>
    CrossValidated,

    /// <summary>
    /// Per patient, the ensemble (personalised by <see cref="Shrinkage"/>) or the statistical member alone with its own
    /// predictive intervals — whichever had the lower MAE over the patient's backtest against the global ensemble, two
    /// fixed candidates a short backtest can tell apart; the chosen one's intervals scaled by the patient's backtest errors
    /// as under <see cref="Shrinkage"/> (ADR 0029).
    /// </summary>
    EnsembleOrMember,
}

/// <summary>How far a patient's own backtest moves the ensemble away from the global weights and intervals.</summary>
public sealed record PersonalisationOptions
{
    /// <summary>The default number of past origins, where neither the set nor the configuration names one.</summary>
    public const int DefaultBacktestOrigins = 8;

    /// <summary>Past origins the twin backtests the members at (fewer when the history is shorter); null: the forecast set's own.</summary>
    public int? BacktestOrigins { get; init; }

    /// <summary>How far the backtest is trusted; null: the forecast set's own (<c>ensemble.json: personalisation</c>).</summary>
    public PersonalisationRule? Rule { get; init; }

    /// <summary>
    /// Candidate trust levels λ (1 = the global weights, 0 = the patient's best) the cross-validated rule chooses among, for
    /// the weights and (as the shrinkage of the log interval scale toward 1) for the intervals.
    /// </summary>
    public IReadOnlyList<double> CrossValidationGrid { get; init; } = [1, 0.75, 0.5, 0.25, 0];

    /// <summary>
    /// Fewer scored origins than this and the cross-validated rule keeps the global weights and intervals, and the
    /// ensemble-or-member rule the ensemble: too little to judge by.
    /// </summary>
    public int MinCrossValidationOrigins { get; init; } = 3;

    /// <summary>These options with the set's rule and origin count where they name none.</summary>
    public PersonalisationOptions For(PersonalisationRule rule, int backtestOrigins, double? intervalPriorOrigins = null) =>
        this with { Rule = Rule ?? rule, BacktestOrigins = BacktestOrigins ?? backtestOrigins, IntervalPriorOrigins = IntervalPriorOrigins ?? intervalPriorOrigins };

    /// <summary>Days between backtest origins, counted back from the forecast origin.</summary>
    public int OriginSpacingDays { get; init; } = 7;

    /// <summary>
    /// Prior strength n₀, in backtest origins: a horizon group's weights are λ · global + (1 − λ) · the patient's best,
    /// λ = n₀ / (n₀ + origins scored in the group); the interval scale is shrunk toward 1 the same way. 8 was chosen on
    /// the training simulator's development seed (99) among 1, 2, 4, 8, 16: the lowest MAE for two of three symptoms and
    /// coverage nearest 80/95 % (docs/forecast-personalisation.md); never on the validation family.
    /// </summary>
    public double PriorOrigins { get; init; } = 8;

    /// <summary>
    /// Prior strength for the interval scales alone, in backtest origins: each level's log scale is shrunk toward 1 by
    /// n₀ᵢ / (n₀ᵢ + origins); 0 serves the patient's own conformal scale. Null (the default, and every set so far):
    /// <see cref="PriorOrigins"/>. 0 was tried on the development seed and under-covered there, so not adopted (ADR 0030).
    /// </summary>
    public double? IntervalPriorOrigins { get; init; }

    /// <summary>The prior strength the interval scales are shrunk with.</summary>
    public double IntervalPrior => IntervalPriorOrigins ?? PriorOrigins;

    /// <summary>Grid step of the weight simplex searched for the patient's best weights.</summary>
    public double WeightStep { get; init; } = 0.1;

    /// <summary>Horizon groups (last horizon of each) sharing one set of patient weights: neighbouring horizons' errors are alike.</summary>
    public IReadOnlyList<int> GroupEnds { get; init; } = [7, 14, 28];

    public double MinIntervalScale { get; init; } = 0.5;
    public double MaxIntervalScale { get; init; } = 3;

    /// <summary>Reads the options from configuration-bound values, refusing ones that would make the weights meaningless.</summary>
    public PersonalisationOptions Validated()
    {
        if (BacktestOrigins is { } origins) ArgumentOutOfRangeException.ThrowIfNegative(origins);
        if (CrossValidationGrid.Count == 0 || CrossValidationGrid.Any(l => l is < 0 or > 1) || !CrossValidationGrid.Contains(1))
            throw new ArgumentException("the cross-validation grid must lie in [0, 1] and hold 1 (the global weights)", nameof(CrossValidationGrid));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinCrossValidationOrigins, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(OriginSpacingDays, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(PriorOrigins);
        if (IntervalPriorOrigins is { } intervalPrior) ArgumentOutOfRangeException.ThrowIfNegative(intervalPrior, nameof(IntervalPriorOrigins));
        if (WeightStep <= 0 || WeightStep > 1 || Math.Abs(1 / WeightStep - Math.Round(1 / WeightStep)) > 1e-9)
            throw new ArgumentOutOfRangeException(nameof(WeightStep), WeightStep, "the weight step must divide 1");
        if (GroupEnds.Count == 0 || GroupEnds[0] < 1 || GroupEnds.Zip(GroupEnds.Skip(1)).Any(p => p.Second <= p.First))
            throw new ArgumentException("horizon groups must be ascending and start at 1 or later", nameof(GroupEnds));
        if (MinIntervalScale <= 0 || MaxIntervalScale < MinIntervalScale) throw new ArgumentOutOfRangeException(nameof(MinIntervalScale));
        return this;
    }
}

/// <summary>The three members' forecasts for horizons 1..H at one origin; <see cref="Statistical"/> is null when it could not be fitted.</summary>
public sealed record MemberForecasts(double[] Transformer, double[] XGBoost, double[]? Statistical)
{
    /// <summary>The statistical member's predictive sd per horizon (its own intervals); null when unknown.</summary>
    public double[]? StatisticalSd { get; init; }
}

/// <summary>
/// The ensemble-or-member rule's choice for a patient: whether the statistical member alone is served, and the evidence —
/// the backtest MAE of the global ensemble and of the member over the same points (null when no point scores both).
/// </summary>
public sealed record MemberChoice(bool MemberAlone, int Origins, int Points, double? EnsembleMae, double? MemberMae);

/// <summary>
/// One past origin of the patient's own rolling-origin backtest: what each member forecast there, what was then observed
/// (NaN where the day was not observed, or lies after the forecast origin) and the half-widths of the global 80 % and
/// 95 % intervals at each horizon for that origin.
/// </summary>
public sealed record BacktestOrigin(MemberForecasts Forecasts, double[] Actual, double[] GlobalHalfWidth80, double[] GlobalHalfWidth95);

/// <summary>One horizon group's personalisation: the patient's best weights, how far they were trusted, and backtest MAEs.</summary>
/// <remarks><see cref="CrossValidatedMae"/>: under the cross-validated rule, the leave-one-origin-out MAE at each candidate λ (keyed "0.75").</remarks>
public sealed record GroupPersonalisation(int FirstHorizon, int LastHorizon, int Origins, int Points, double Shrinkage,
    double[] PatientWeights, IReadOnlyDictionary<string, double> BacktestMae)
{
    public IReadOnlyDictionary<string, double>? CrossValidatedMae { get; init; }
}

/// <summary>
/// The weights used per horizon (each [Transformer, XGBoost, statistical], summing to 1), the global weights they started
/// from, per-group detail, the interval scales per level (× the global conformal half-widths; the backtest's own ratio
/// before shrinkage next to each) and a sentence saying why.
/// </summary>
public sealed record Personalisation(double[][] Weights, double[][] GlobalWeights, IReadOnlyList<GroupPersonalisation> Groups,
    double IntervalScale80, double IntervalScale95, double BacktestIntervalScale80, double BacktestIntervalScale95,
    int BacktestOrigins, int ScoredPoints, string Reason)
{
    /// <summary>The rule that chose how far the backtest was trusted.</summary>
    public PersonalisationRule Rule { get; init; } = PersonalisationRule.Shrinkage;

    /// <summary>How far each level's log interval scale was shrunk toward 1 (1: the global intervals unchanged).</summary>
    public double IntervalShrinkage80 { get; init; } = 1;
    public double IntervalShrinkage95 { get; init; } = 1;

    /// <summary>Under <see cref="PersonalisationRule.EnsembleOrMember"/>: which was served and why; null under the other rules.</summary>
    public MemberChoice? Choice { get; init; }

    /// <summary>Whether the statistical member alone is served (its mean, its own intervals × the interval scales).</summary>
    public bool MemberAlone => Choice?.MemberAlone == true;
}

/// <summary>
/// Personalised ensemble weights and intervals from a patient's own backtest (issue 13). Per horizon group, the simplex
/// weights with the lowest backtest MAE on the patient's points are mixed with the global (learned) weights,
/// λ · global + (1 − λ) · best. Each level's interval scale is the conformal quantile at that level of the patient's
/// backtest errors in units of the global half-width at that level (1 for a patient like the calibration cohort), shrunk
/// toward 1 in log space and clamped; the levels are scaled separately because heavy-tailed errors widen the 95 %
/// interval more than the 80 %. How far (λ and the log-scale shrinkage) is the <see cref="PersonalisationRule"/>'s:
/// n₀ / (n₀ + origins) under <see cref="PersonalisationRule.Shrinkage"/>; under
/// <see cref="PersonalisationRule.CrossValidated"/>, leave one backtest origin out at a time — λ by held-out MAE, each
/// level's shrinkage by the held-out interval score, both the most global candidate within one standard error of the best
/// (over origins); the scale from errors each judged with weights fitted without its origin. Pure arithmetic with known answers (PersonalisedCombinationTests).
/// </summary>
public static class PersonalisedCombination
{
    public static readonly string[] Members = ["transformer", "xgboost", "statistical"];

    public static double Combine(IReadOnlyList<double> w, double transformer, double xgboost, double statistical) =>
        w[0] * transformer + w[1] * xgboost + (w[2] == 0 ? 0 : w[2] * statistical);

    /// <summary>The weights with the statistical member's share moved onto the other two in proportion (it is not available).</summary>
    public static double[] WithoutStatistical(IReadOnlyList<double> w)
    {
        var rest = w[0] + w[1];
        return rest <= 0 ? [0.5, 0.5, 0] : [w[0] / rest, w[1] / rest, 0];
    }

    /// <summary>
    /// The grid point of the weight simplex (step <paramref name="step"/>) with the lowest mean absolute error over
    /// <paramref name="points"/> (T, X, S, y); the statistical weight stays 0 unless <paramref name="statistical"/>. Ties
    /// go to the point nearest <paramref name="prior"/>. Returns the weights and their MAE.
    /// </summary>
    public static (double[] Weights, double Mae) BestWeights(IReadOnlyList<(double T, double X, double S, double Y)> points,
        IReadOnlyList<double> prior, bool statistical, double step)
    {
        if (points.Count == 0) throw new ArgumentException("no backtest points", nameof(points));
        var steps = (int)Math.Round(1 / step);
        double[] best = [.. prior];
        var bestMae = double.PositiveInfinity;
        var bestDistance = double.PositiveInfinity;
        for (var i = 0; i <= steps; i++)
        for (var j = 0; i + j <= steps; j++)
        {
            var k = steps - i - j;
            if (!statistical && k != 0) continue;
            double[] w = [i / (double)steps, j / (double)steps, k / (double)steps];
            double sum = 0;
            foreach (var p in points) sum += Math.Abs(Combine(w, p.T, p.X, p.S) - p.Y);
            var mae = sum / points.Count;
            var distance = Math.Abs(w[0] - prior[0]) + Math.Abs(w[1] - prior[1]) + Math.Abs(w[2] - prior[2]);
            if (mae < bestMae - 1e-12 || (Math.Abs(mae - bestMae) <= 1e-12 && distance < bestDistance))
                (best, bestMae, bestDistance) = (w, mae, distance);
        }
        return (best, bestMae);
    }

    /// <summary>
    /// Personalises <paramref name="globalWeights"/> (per horizon 1..H, [T, X, S]) with <paramref name="backtest"/>.
    /// <paramref name="statistical"/>: whether the statistical member forecasts at the current origin (if not, its weight
    /// goes to the others and backtest points are scored without it).
    /// </summary>
    public static Personalisation Personalise(IReadOnlyList<double[]> globalWeights, IReadOnlyList<BacktestOrigin> backtest, bool statistical,
        PersonalisationOptions options)
    {
        var rule = options.Rule ?? PersonalisationRule.Shrinkage;
        if (rule == PersonalisationRule.EnsembleOrMember) return EnsembleOrMember(globalWeights, backtest, statistical, options);
        var horizon = globalWeights.Count;
        var global = globalWeights.Select(w => statistical ? (double[])[.. w] : WithoutStatistical(w)).ToArray();
        var weights = global.Select(w => (double[])[.. w]).ToArray();
        // Origins the backtest can use: the statistical member must have forecast there if it is to be weighed.
        var usable = backtest.Where(b => !statistical || b.Forecasts.Statistical is not null).ToList();
        // The weights each origin's errors are judged with: under the cross-validated rule fitted without that origin, else
        // the weights used.
        var heldOutWeights = usable.Select(_ => weights.Select(w => (double[])[.. w]).ToArray()).ToArray();
        var groups = new List<GroupPersonalisation>();
        var first = 1;
        foreach (var end in options.GroupEnds.Select(e => Math.Min(e, horizon)).Distinct())
        {
            if (end < first) continue;
            // Scored points per usable origin (horizon, T, X, S, y).
            var perOrigin = usable.Select(b => Enumerable.Range(first, end - first + 1)
                .Where(h => !double.IsNaN(b.Actual[h - 1]))
                .Select(h => (H: h, P: (T: b.Forecasts.Transformer[h - 1], X: b.Forecasts.XGBoost[h - 1], S: b.Forecasts.Statistical?[h - 1] ?? 0, Y: b.Actual[h - 1])))
                .ToList()).ToList();
            var points = perOrigin.SelectMany(o => o.Select(x => x.P)).ToList();
            var origins = perOrigin.Count(o => o.Count > 0);
            if (points.Count > 0)
            {
                var prior = MeanWeights(global, first, end);
                var (best, bestMae) = BestWeights(points, prior, statistical, options.WeightStep);
                double lambda;
                Dictionary<string, double>? crossValidated = null;
                if (rule == PersonalisationRule.Shrinkage) lambda = options.PriorOrigins / (options.PriorOrigins + origins);
                else if (origins < options.MinCrossValidationOrigins) lambda = 1;
                else
                {
                    // Leave one origin out: the patient's best weights from the others, mixed with the global ones at each
                    // candidate λ, scored on the held-out origin.
                    var bestWithout = new double[perOrigin.Count][];
                    for (var i = 0; i < perOrigin.Count; i++)
                        if (perOrigin[i].Count > 0)
                            bestWithout[i] = BestWeights([.. perOrigin.Where((_, j) => j != i).SelectMany(o => o.Select(x => x.P))], prior, statistical, options.WeightStep).Weights;
                    var grid = options.CrossValidationGrid.OrderDescending().ToArray();
                    // Held-out MAE per origin at each candidate λ.
                    var scored = Enumerable.Range(0, perOrigin.Count).Where(i => perOrigin[i].Count > 0).ToArray();
                    var perOriginMae = grid.Select(l => scored.Select(i => perOrigin[i].Average(x =>
                        Math.Abs(Combine(Mix(l, global[x.H - 1], bestWithout[i]), x.P.T, x.P.X, x.P.S) - x.P.Y))).ToArray()).ToArray();
                    var scores = grid.Select((_, k) => scored.Select((i, n) => perOriginMae[k][n] * perOrigin[i].Count).Sum() / points.Count).ToArray();
                    // A patient's best weights are one of 66 simplex points picked on few origins: the one-standard-error
                    // rule keeps noise from being mistaken for a better mix.
                    lambda = grid[MostGlobalWithinOneStandardError(scores, perOriginMae)];
                    crossValidated = grid.Select((l, k) => (l, k)).ToDictionary(x => Key(x.l), x => scores[x.k]);
                    for (var i = 0; i < perOrigin.Count; i++)
                        if (bestWithout[i] is { } w)
                            for (var h = first; h <= end; h++) heldOutWeights[i][h - 1] = Mix(lambda, global[h - 1], w);
                }
                for (var h = first; h <= end; h++) weights[h - 1] = Mix(lambda, global[h - 1], best);
                if (crossValidated is null) // nothing held out: each origin is judged with the weights used
                    for (var i = 0; i < perOrigin.Count; i++)
                        for (var h = first; h <= end; h++) heldOutWeights[i][h - 1] = weights[h - 1];
                var mae = new Dictionary<string, double>
                {
                    ["transformer"] = points.Average(p => Math.Abs(p.T - p.Y)),
                    ["xgboost"] = points.Average(p => Math.Abs(p.X - p.Y)),
                    // The global weights vary by horizon within a group: each point is scored with its own horizon's.
                    ["global_weights"] = perOrigin.SelectMany(o => o).Average(x => Math.Abs(Combine(global[x.H - 1], x.P.T, x.P.X, x.P.S) - x.P.Y)),
                    ["patient_best_weights"] = bestMae,
                };
                if (statistical) mae["statistical"] = points.Average(p => Math.Abs(p.S - p.Y));
                groups.Add(new GroupPersonalisation(first, end, origins, points.Count, lambda, best, mae) { CrossValidatedMae = crossValidated });
            }
            first = end + 1;
        }

        // Interval scales: the patient's errors in units of the global half-width at each level — with the weights now
        // used (shrinkage rule) or with each origin's held-out weights (cross-validated rule, so the errors are out of sample).
        var errors = new List<(int Origin, double Error, double HalfWidth80, double HalfWidth95)>();
        for (var i = 0; i < usable.Count; i++)
        {
            var b = usable[i];
            for (var h = 1; h <= horizon; h++)
            {
                var y = b.Actual[h - 1];
                if (double.IsNaN(y) || !(b.GlobalHalfWidth80[h - 1] > 0) || !(b.GlobalHalfWidth95[h - 1] > 0)) continue;
                errors.Add((i, Math.Abs(Combine(heldOutWeights[i][h - 1], b.Forecasts.Transformer[h - 1], b.Forecasts.XGBoost[h - 1], b.Forecasts.Statistical?[h - 1] ?? 0) - y),
                    b.GlobalHalfWidth80[h - 1], b.GlobalHalfWidth95[h - 1]));
            }
        }
        var backtestOrigins = usable.Count(b => b.Actual.Any(v => !double.IsNaN(v)));
        var scoredOrigins = errors.Select(e => e.Origin).Distinct().Count();
        (double Raw, double Shrinkage, double Scale) Scale(double level, Func<(int Origin, double Error, double HalfWidth80, double HalfWidth95), double> halfWidth)
        {
            double Raw(IEnumerable<(int Origin, double Error, double HalfWidth80, double HalfWidth95)> of) => RawScale(of.Select(e => e.Error / halfWidth(e)).ToList(), level);
            double Shrunk(double raw, double shrinkage) => ShrunkScale(raw, shrinkage, options);
            var raw = Raw(errors);
            if (rule == PersonalisationRule.Shrinkage)
            {
                var shrinkage = IntervalShrinkage(options, backtestOrigins);
                return (raw, shrinkage, Shrunk(raw, shrinkage));
            }
            if (scoredOrigins < options.MinCrossValidationOrigins) return (raw, 1, 1);
            // Leave one origin out: the scale from the other origins' ratios, shrunk at each candidate, judged on the held-out
            // origin by the interval score (width plus 2/α × the miss) — a proper score, lowest at the true quantile — and,
            // as for the weights, the most global candidate within one standard error (over origins) of the best.
            var alpha = 1 - level;
            var grid = options.CrossValidationGrid.OrderDescending().ToArray();
            var byOrigin = errors.GroupBy(e => e.Origin).ToArray();
            var rawWithout = byOrigin.Select(o => Raw(errors.Where(e => e.Origin != o.Key))).ToArray();
            var perOriginScore = grid.Select(l => byOrigin.Select((o, n) => o.Average(e =>
            {
                var half = halfWidth(e) * Shrunk(rawWithout[n], l);
                return 2 * half + 2 / alpha * Math.Max(e.Error - half, 0);
            })).ToArray()).ToArray();
            var scores = grid.Select((_, k) => byOrigin.Select((o, n) => perOriginScore[k][n] * o.Count()).Sum() / errors.Count).ToArray();
            var chosen = grid[MostGlobalWithinOneStandardError(scores, perOriginScore)];
            return (raw, chosen, Shrunk(raw, chosen));
        }
        var (raw80, shrink80, scale80) = Scale(0.8, e => e.HalfWidth80);
        var (raw95, shrink95, scale95) = Scale(0.95, e => e.HalfWidth95);
        var reason = rule == PersonalisationRule.Shrinkage
            ? Reason(groups, scale80, scale95, raw80, raw95, backtestOrigins, statistical, IntervalShrinkageText(options))
            : CrossValidatedReason(groups, scale80, scale95, raw80, raw95, shrink80, shrink95, backtestOrigins, statistical, options.MinCrossValidationOrigins);
        return new Personalisation(weights, global, groups, scale80, scale95, raw80, raw95, backtestOrigins, errors.Count, reason)
        {
            Rule = rule, IntervalShrinkage80 = shrink80, IntervalShrinkage95 = shrink95,
        };
    }

    /// <summary>
    /// The ensemble-or-member rule: the ensemble personalised by the shrinkage rule, or — when over the patient's backtest
    /// the statistical member alone had a lower MAE than the global ensemble (the same points; neither candidate fitted on
    /// them) — the member alone, with interval scales in units of its own predictive half-widths, shrunk by n₀ / (n₀ + origins).
    /// </summary>
    private static Personalisation EnsembleOrMember(IReadOnlyList<double[]> globalWeights, IReadOnlyList<BacktestOrigin> backtest, bool statistical,
        PersonalisationOptions options)
    {
        var ensemble = Personalise(globalWeights, backtest, statistical, options with { Rule = PersonalisationRule.Shrinkage });
        var horizon = globalWeights.Count;
        // (origin, |ensemble error|, |member error|, member error / its own 80 % and 95 % half-widths) per scored point.
        var points = new List<(int Origin, double Ensemble, double Member, double Ratio80, double Ratio95)>();
        if (statistical)
            for (var i = 0; i < backtest.Count; i++)
            {
                var f = backtest[i].Forecasts;
                if (f.Statistical is not { } s || f.StatisticalSd is not { } sd) continue;
                for (var h = 1; h <= horizon; h++)
                {
                    var y = backtest[i].Actual[h - 1];
                    if (double.IsNaN(y) || !(sd[h - 1] > 0)) continue;
                    var memberError = Math.Abs(s[h - 1] - y);
                    points.Add((i, Math.Abs(Combine(globalWeights[h - 1], f.Transformer[h - 1], f.XGBoost[h - 1], s[h - 1]) - y), memberError,
                        memberError / StatisticalMember.HalfWidth(sd[h - 1], 0.8), memberError / StatisticalMember.HalfWidth(sd[h - 1], 0.95)));
                }
            }
        var origins = points.Select(p => p.Origin).Distinct().Count();
        var ensembleMae = points.Count == 0 ? 0 : points.Average(p => p.Ensemble);
        var memberMae = points.Count == 0 ? 0 : points.Average(p => p.Member);
        var memberAlone = origins >= options.MinCrossValidationOrigins && memberMae < ensembleMae - 1e-12; // a tie keeps the ensemble
        var choice = points.Count == 0 ? new MemberChoice(false, 0, 0, null, null) : new MemberChoice(memberAlone, origins, points.Count, ensembleMae, memberMae);
        static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        if (!memberAlone)
        {
            var why = !statistical ? "the statistical member could not be fitted at this origin"
                : origins < options.MinCrossValidationOrigins ? $"only {origins} backtest origin(s) score the statistical member (the choice needs {options.MinCrossValidationOrigins})"
                : $"on this patient's backtest the global ensemble (MAE {F(ensembleMae)}) did at least as well as the statistical member alone ({F(memberMae)})";
            return ensemble with { Rule = PersonalisationRule.EnsembleOrMember, Choice = choice, Reason = $"the ensemble is served ({why}); {ensemble.Reason}" };
        }
        var shrinkage = IntervalShrinkage(options, origins);
        var raw80 = RawScale([.. points.Select(p => p.Ratio80)], 0.8);
        var raw95 = RawScale([.. points.Select(p => p.Ratio95)], 0.95);
        var (scale80, scale95) = (ShrunkScale(raw80, shrinkage, options), ShrunkScale(raw95, shrinkage, options));
        var reason = $"the statistical member alone is served: over this patient's rolling-origin backtest ({origins} past origins, {points.Count} points) " +
                     $"its MAE was {F(memberMae)} against {F(ensembleMae)} for the global ensemble. Intervals: the member's own predictive intervals, " +
                     $"80 % × {F(scale80)}, 95 % × {F(scale95)} (this patient's backtest errors at those quantiles are × {F(raw80)} and × {F(raw95)} the member's " +
                     $"own half-widths, {IntervalShrinkageText(options)}).";
        return new Personalisation([.. Enumerable.Range(0, horizon).Select(_ => (double[])[0, 0, 1])], ensemble.GlobalWeights, ensemble.Groups,
            scale80, scale95, raw80, raw95, ensemble.BacktestOrigins, points.Count, reason)
        {
            Rule = PersonalisationRule.EnsembleOrMember, IntervalShrinkage80 = shrinkage, IntervalShrinkage95 = shrinkage, Choice = choice,
        };
    }

    /// <summary>How far an interval scale from <paramref name="origins"/> backtest origins is shrunk toward 1: n₀ᵢ / (n₀ᵢ + origins), 1 with none.</summary>
    private static double IntervalShrinkage(PersonalisationOptions options, int origins) =>
        origins == 0 ? 1 : options.IntervalPrior / (options.IntervalPrior + origins);

    /// <summary>How the reasons say the interval scales were shrunk.</summary>
    private static string IntervalShrinkageText(PersonalisationOptions options) => options.IntervalPriorOrigins switch
    {
        null => "shrunk toward 1 by n₀/(n₀ + origins)",
        0 => "used as they are: the patient's own conformal scale",
        { } n => $"shrunk toward 1 by n₀ᵢ/(n₀ᵢ + origins), n₀ᵢ = {n.ToString("0.##", CultureInfo.InvariantCulture)}",
    };

    /// <summary>The conformal quantile at <paramref name="level"/> of errors in units of a half-width (1 when there are none).</summary>
    private static double RawScale(IReadOnlyList<double> ratios, double level) => ratios.Count == 0 ? 1 : Math.Max(ConformalQuantile(ratios, level), 1e-6);

    /// <summary>A raw interval scale shrunk toward 1 in log space by <paramref name="shrinkage"/> and clamped.</summary>
    private static double ShrunkScale(double raw, double shrinkage, PersonalisationOptions options) =>
        Math.Clamp(Math.Exp((1 - shrinkage) * Math.Log(raw)), options.MinIntervalScale, options.MaxIntervalScale);

    private static string Key(double lambda) => lambda.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>
    /// The one-standard-error rule over candidates ordered from most to least global: the first whose score is within one
    /// standard error (of the per-origin scores at the lowest score, over origins) of the lowest.
    /// </summary>
    private static int MostGlobalWithinOneStandardError(double[] scores, double[][] perOrigin)
    {
        var lowest = 0;
        for (var k = 1; k < scores.Length; k++) if (scores[k] < scores[lowest] - 1e-12) lowest = k;
        var values = perOrigin[lowest];
        var tolerance = values.Length < 2 ? 0 : MathNet.Numerics.Statistics.Statistics.StandardDeviation(values) / Math.Sqrt(values.Length);
        return Enumerable.Range(0, scores.Length).First(k => scores[k] <= scores[lowest] + tolerance + 1e-12);
    }

    private static double[] Mix(double lambda, IReadOnlyList<double> global, IReadOnlyList<double> patient) =>
        [.. Enumerable.Range(0, 3).Select(m => lambda * global[m] + (1 - lambda) * patient[m])];

    /// <summary>The ⌈(n + 1)·level⌉-th smallest value (the largest when that exceeds n): split-conformal's finite-sample quantile.</summary>
    public static double ConformalQuantile(IReadOnlyList<double> values, double level)
    {
        var sorted = values.Order().ToArray();
        var k = (int)Math.Ceiling((sorted.Length + 1) * level);
        return sorted[Math.Clamp(k, 1, sorted.Length) - 1];
    }

    private static double[] MeanWeights(double[][] weights, int first, int last) =>
        [.. Enumerable.Range(0, 3).Select(m => Enumerable.Range(first - 1, last - first + 1).Average(h => weights[h][m]))];

    private static string Reason(IReadOnlyList<GroupPersonalisation> groups, double scale80, double scale95, double raw80, double raw95, int origins, bool statistical,
        string intervalShrinkage)
    {
        static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        if (origins == 0)
            return "no backtest origin with a later observation yet: the global weights and intervals are used unchanged" +
                   (statistical ? "" : "; the statistical member could not be fitted, so its global weight went to the other two");
        var parts = groups.Select(g =>
            $"horizons {g.FirstHorizon}–{g.LastHorizon}: {g.Origins} origins, {F(100 * (1 - g.Shrinkage))} % of the way from the global weights to this patient's best " +
            $"({string.Join(", ", Members.Select((m, i) => $"{m} {F(g.PatientWeights[i])}"))}; backtest MAE {F(g.BacktestMae["patient_best_weights"])} vs {F(g.BacktestMae["global_weights"])} with the global weights)");
        return $"weights from this patient's own rolling-origin backtest ({origins} past origins), shrunk toward the global weights by n₀/(n₀ + origins): " +
               string.Join("; ", parts) +
               $". Intervals: 80 % × {F(scale80)}, 95 % × {F(scale95)} (this patient's backtest errors at those quantiles are × {F(raw80)} and × {F(raw95)} " +
               $"the global half-widths, {intervalShrinkage})" +
               (statistical ? "." : "; the statistical member could not be fitted, so its global weight went to the other two.");
    }

    private static string CrossValidatedReason(IReadOnlyList<GroupPersonalisation> groups, double scale80, double scale95, double raw80, double raw95,
        double shrink80, double shrink95, int origins, bool statistical, int minOrigins)
    {
        static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        var missing = statistical ? "" : "; the statistical member could not be fitted, so its global weight went to the other two";
        if (origins == 0)
            return "no backtest origin with a later observation yet: the global weights and intervals are used unchanged" + missing;
        if (origins < minOrigins)
            return $"only {origins} backtest origin(s) with a later observation (cross-validation needs {minOrigins}): the global weights and intervals are used unchanged" + missing;
        var parts = groups.Select(g =>
            $"horizons {g.FirstHorizon}–{g.LastHorizon}: {g.Origins} origins, λ = {F(g.Shrinkage)} toward the global weights " +
            (g.CrossValidatedMae is null ? "(too few origins to cross-validate)" : $"(held-out MAE {F(g.CrossValidatedMae[Key(g.Shrinkage)])} at this λ, {F(g.CrossValidatedMae.Values.Min())} at the best, {F(g.CrossValidatedMae["1"])} with the global weights)") +
            $", this patient's best {string.Join(", ", Members.Select((m, i) => $"{m} {F(g.PatientWeights[i])}"))}");
        return $"weights from this patient's own rolling-origin backtest ({origins} past origins), trusted as far as leaving each origin out in turn showed it pays " +
               "(the most global λ within one standard error of the best held-out MAE): " +
               string.Join("; ", parts) +
               $". Intervals: 80 % × {F(scale80)}, 95 % × {F(scale95)} (this patient's held-out errors at those quantiles are × {F(raw80)} and × {F(raw95)} the global " +
               $"half-widths; the interval score kept {F(100 * (1 - shrink80))} % and {F(100 * (1 - shrink95))} % of that in log scale)" + missing + ".";
    }
}
