using System.Globalization;
using System.Text;
using System.Text.Json;
using NovaMind.Domain.Observations;
using NovaMind.Ml;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Forecasting.Assessments;
using NovaMind.Ml.Forecasting.Personalised;
using NovaMind.Ml.Forecasting.Statistical;
using NovaMind.Simulation;

namespace NovaMind.Cli;

/// <summary>
/// Offline evaluations of a forecast set on simulated cohorts (rolling origins; every predictor sees the days up to its
/// origin only): the set's global combination and the served, personalised one next to per-patient AutoETS and SARIMA,
/// seasonal naive, last value and the oracle where the simulator has one; and periodic PHQ-9/GAD-7 against the last
/// assessment carried forward. <see cref="Release"/> runs both families and the assessments once per set version, on
/// seeds given for it, and writes the result next to the set (issue 13's report and targets).
/// </summary>
public static class ForecastEvaluation
{
    public sealed record Family(string Name, int Seed, int Patients, int Days);

    public sealed record StatisticalResult(Family Family, int Horizon, int FirstOrigin, int OriginEvery, IReadOnlyList<BacktestRow> Rows, double Seconds)
    {
        /// <summary>Per personalised predictor and symptom, under the ensemble-or-member rule: forecasts served by the member alone, and all forecasts.</summary>
        public IReadOnlyDictionary<(string Predictor, string Symptom), (int MemberAlone, int Forecasts)> Choices { get; init; } =
            new Dictionary<(string, string), (int, int)>();
    }

    private static readonly DateOnly LastDay = new(2026, 6, 30);

    public static string GlobalName(SymptomForecaster set) => $"global_ensemble_{set.Version}";

    public static string PersonalisedName(SymptomForecaster set) => $"personalised_{set.Version}";

    /// <summary>
    /// A personalisation variant to compare: <c>rule[/origins[/n₀[/n₀ᵢ]]]</c>, e.g. <c>cross_validated/12</c>,
    /// <c>ensemble_or_member/8</c>, <c>shrinkage/8/8</c> or <c>ensemble_or_member/8/8/0</c> (interval scales unshrunk); the
    /// empty list means the set's own rule and origins.
    /// </summary>
    public static PersonalisationOptions Variant(string spec)
    {
        var parts = spec.Split('/', StringSplitOptions.TrimEntries);
        PersonalisationRule rule;
        try { rule = PersonalisationRecord.Parse(parts[0]); }
        catch (InvalidDataException e) { throw new ArgumentException(e.Message, nameof(spec), e); }
        var options = new PersonalisationOptions { Rule = rule };
        if (parts.Length > 1) options = options with { BacktestOrigins = int.Parse(parts[1], CultureInfo.InvariantCulture) };
        if (parts.Length > 2) options = options with { PriorOrigins = double.Parse(parts[2], CultureInfo.InvariantCulture) };
        if (parts.Length > 3) options = options with { IntervalPriorOrigins = double.Parse(parts[3], CultureInfo.InvariantCulture) };
        return options.Validated();
    }

    public static StatisticalResult Statistical(SymptomForecaster set, Family family, int horizon, int firstOrigin, int originEvery, IReadOnlyList<string> variants,
        Action<string>? progress = null)
    {
        var extra = new Dictionary<string, StatisticalBacktest.ExtraPredictor>();
        IReadOnlyList<BacktestPatient> cohort;
        if (family.Name == "regime") // the second, structurally different family: validation only, no oracle
            cohort = StatisticalBacktest.Patients(new RegimeMoodSimulator(family.Seed).Simulate(family.Patients, family.Days, LastDay));
        else
        {
            var simulated = new SymptomCohortSimulator(family.Seed).Simulate(family.Patients, family.Days, LastDay);
            cohort = StatisticalBacktest.Patients(simulated);
            extra["oracle"] = StatisticalBacktest.Oracle(simulated);
        }
        static BacktestForecast? Cut(PersonalisedForecastOutput? o, BacktestPatient patient, int t, int h) =>
            o is null || o.Origin != patient.FirstDay.AddDays(t) ? null : new(o.Mean[..h], o.Lower80[..h], o.Upper80[..h], o.Lower95[..h], o.Upper95[..h]);
        List<Observation> UpTo(BacktestPatient patient, int t)
        {
            var until = patient.FirstDay.AddDays(t + 1).ToDateTime(TimeOnly.MinValue);
            return patient.Observations.Where(o => o.Time.UtcDateTime < until).ToList();
        }
        Task<SymptomForecastOutput[]> Predict(IReadOnlyList<SymptomForecastInput> inputs) => Task.FromResult(set.Predict(inputs));
        // Global: the set's weights and conformal intervals as learned (no backtest origins).
        var global = new PersonalisedForecaster(set, new PersonalisationOptions { BacktestOrigins = 0 });
        extra[GlobalName(set)] = (patient, symptom, t, h) =>
            Cut(global.ForecastAsync(UpTo(patient, t), symptom, patient.MedicationStarts, Predict).GetAwaiter().GetResult(), patient, t, h);
        var choices = new Dictionary<(string, string), (int, int)>();
        foreach (var variant in variants.Count == 0 ? [""] : variants)
        {
            var personalised = new PersonalisedForecaster(set, variant == "" ? new PersonalisationOptions() : Variant(variant));
            var name = variant == "" ? PersonalisedName(set) : $"{PersonalisedName(set)}_{variant}";
            extra[name] = (patient, symptom, t, h) =>
            {
                var served = personalised.ForecastAsync(UpTo(patient, t), symptom, patient.MedicationStarts, Predict).GetAwaiter().GetResult();
                if (served?.Personalisation.Choice is { } choice)
                    lock (choices)
                    {
                        var (member, all) = choices.GetValueOrDefault((name, symptom.Name));
                        choices[(name, symptom.Name)] = (member + (choice.MemberAlone ? 1 : 0), all + 1);
                    }
                return Cut(served, patient, t, h);
            };
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rows = StatisticalBacktest.Run(cohort, horizon, firstOrigin, originEvery, progress is null ? null : new Progress<string>(progress), extra);
        return new StatisticalResult(family, horizon, firstOrigin, originEvery, rows, clock.Elapsed.TotalSeconds) { Choices = choices };
    }

    /// <summary>The reference a family's ratios are taken against: the oracle, or (no oracle) the better per-patient classical model.</summary>
    public static double Reference(StatisticalResult r, string symptom, int upTo)
    {
        double Of(string p) => r.Rows.First(o => o.Symptom == symptom && o.Predictor == p).MeanMaeOver(1, upTo);
        return r.Family.Name == "regime" ? Math.Min(Of("auto_ets"), Of("sarima_100_100_7")) : Of("oracle");
    }

    public static string Table(StatisticalResult r)
    {
        var early = Math.Min(14, r.Horizon);
        var reference = r.Family.Name == "regime" ? "the better per-patient model (AutoETS or SARIMA)" : "the oracle";
        var text = new StringBuilder();
        text.AppendLine($"Family `{r.Family.Name}`, simulator seed {r.Family.Seed}, {r.Family.Patients} patients × {r.Family.Days} days; origins every {r.OriginEvery} days from day {r.FirstOrigin}; " +
                        $"horizons 1–{r.Horizon}; ratios (mean MAE h1–{early}) against {reference}; {r.Seconds:F0} s.");
        text.AppendLine();
        text.AppendLine($"| symptom | predictor | origins | MAE h1–{early} | × reference | MAE h1 | MAE h{r.Horizon} | MAE h1–{r.Horizon} | cover 80 | cover 95 | patient 80 % cover p10 / p50 / p90 |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var row in r.Rows)
        {
            var perPatient = row.PatientCoverage80Percentiles is { } q ? FormattableString.Invariant($"{q[0]:F2} / {q[1]:F2} / {q[2]:F2}") : "–";
            text.AppendLine(FormattableString.Invariant(
                $"| {row.Symptom} | {row.Predictor} | {row.Origins} | {row.MeanMaeOver(1, early):F3} | {row.MeanMaeOver(1, early) / Reference(r, row.Symptom, early):F2} | {row.MaeByHorizon[0]:F3} | {row.MaeByHorizon[^1]:F3} | {row.MeanMae:F3} | ") +
                (row.Coverage80 is { } c80 ? FormattableString.Invariant($"{c80:F3} | {row.Coverage95:F3} | {perPatient} |") : "– | – | – |"));
        }
        if (r.Choices.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Ensemble-or-member rule — forecasts served by the statistical member alone: " + string.Join("; ",
                r.Choices.OrderBy(c => c.Key.Predictor, StringComparer.Ordinal).ThenBy(c => c.Key.Symptom, StringComparer.Ordinal).Select(c =>
                    FormattableString.Invariant($"{c.Key.Predictor} {c.Key.Symptom} {c.Value.MemberAlone} of {c.Value.Forecasts} ({100.0 * c.Value.MemberAlone / Math.Max(c.Value.Forecasts, 1):F0} %)"))) + ".");
        }
        return text.ToString();
    }

    public static (IReadOnlyList<AssessmentBacktestResult> Results, double Seconds) Assessments(SymptomForecaster set, Family family, QuestionnaireCadence cadence,
        Action<string>? progress = null)
    {
        var cohort = new SymptomCohortSimulator(family.Seed, new SymptomSimulatorOptions { Questionnaires = cadence }).Simulate(family.Patients, family.Days, LastDay);
        var personalised = new PersonalisedForecaster(set, new PersonalisationOptions());
        MoodForecaster mood = upTo =>
        {
            var o = personalised.ForecastAsync(upTo, ObservationType.Mood, null, inputs => Task.FromResult(set.Predict(inputs))).GetAwaiter().GetResult();
            return o is null ? null : (o.Origin, o.Mean, [.. o.Upper80.Select((u, h) => (u - o.Lower80[h]) / 2)]);
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var input = cohort.Patients.Select(p => (p.Index, (IReadOnlyList<Observation>)p.Observations)).ToList();
        var results = new List<AssessmentBacktestResult>();
        foreach (var symptom in new[] { ObservationType.Phq9, ObservationType.Gad7 })
        {
            results.Add(AssessmentBacktest.Run(input, symptom, mood));
            progress?.Invoke($"{symptom.Name}: {results[^1].Forecasts} forecasts");
        }
        return (results, clock.Elapsed.TotalSeconds);
    }

    public static string AssessmentTable(SymptomForecaster set, Family family, QuestionnaireCadence cadence, IReadOnlyList<AssessmentBacktestResult> results, double seconds)
    {
        var text = new StringBuilder();
        text.AppendLine($"Symptom simulator seed {family.Seed}, {family.Patients} patients × {family.Days} days, {cadence} PHQ-9/GAD-7 (±2 days, 15 % of visits missed, two-week recall); " +
                        $"mood forecast by the served set {set.Version}, personalised. At each assessment with a next one within {AssessmentBacktest.MaxGapDays} days; {seconds:F0} s.");
        text.AppendLine();
        text.AppendLine("| symptom | forecasts | patients | mean gap (days) | assessment model MAE | last assessment MAE | ratio | cover 80 | cover 95 |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in results)
            text.AppendLine(FormattableString.Invariant(
                $"| {x.Symptom} | {x.Forecasts} | {x.Patients} | {x.MeanGapDays:F1} | {x.ModelMae:F3} | {x.LastAssessmentMae:F3} | {x.Ratio:F3} | {x.Coverage80:F3} | {x.Coverage95:F3} |"));
        return text.ToString();
    }

    public sealed record ReleaseTarget(string Name, string Symptom, double Value, string Threshold, bool Met);

    public const string ReleaseFile = "release-evaluation.md";
    public const string ReleaseJsonFile = "release-evaluation.json";

    /// <summary>
    /// Issue 13's release report for the set in <paramref name="setDirectory"/>: (a) a fresh seed of the training
    /// simulator, (b) a fresh seed of the regime family, (c) biweekly questionnaires on a fresh seed — each used once: the
    /// command refuses to run again for a set that has a release evaluation. Targets are measured, never adjusted.
    /// </summary>
    public static int Release(string setDirectory, int seedTraining, int seedRegime, int seedAssessments, TextWriter output, Action<string>? progress = null)
    {
        var md = Path.Combine(setDirectory, ReleaseFile);
        if (File.Exists(md))
        {
            output.WriteLine($"{md} exists: a release is evaluated once, on seeds used once. Train a new version to evaluate again.");
            return 2;
        }
        using var set = SymptomForecaster.Load(setDirectory);
        var a = Statistical(set, new Family("training", seedTraining, 40, 240), 28, 56, 14, [], progress);
        var b = Statistical(set, new Family("regime", seedRegime, 40, 240), 28, 56, 14, [], progress);
        var assessmentsFamily = new Family("training", seedAssessments, 40, 240);
        var (c, cSeconds) = Assessments(set, assessmentsFamily, QuestionnaireCadence.Biweekly, progress);

        var served = PersonalisedName(set);
        var targets = new List<ReleaseTarget>();
        foreach (var symptom in new[] { "mood", "phq9", "gad7" })
        {
            double Mae(StatisticalResult r, string p) => r.Rows.First(o => o.Symptom == symptom && o.Predictor == p).MeanMaeOver(1, 14);
            double Classical(StatisticalResult r) => Math.Min(Mae(r, "auto_ets"), Mae(r, "sarima_100_100_7"));
            var oracleRatio = Mae(a, served) / Mae(a, "oracle");
            targets.Add(new("(a) served ≤ 1.10 × oracle, MAE h1–14", symptom, oracleRatio, "≤ 1.10", oracleRatio <= 1.10));
            var aClassical = Mae(a, served) / Classical(a);
            targets.Add(new("(a) served ≤ 0.95 × the better classical model", symptom, aClassical, "≤ 0.95", aClassical <= 0.95));
            var bClassical = Mae(b, served) / Classical(b);
            targets.Add(new("(b) served ≤ 0.95 × the better classical model", symptom, bClassical, "≤ 0.95", bClassical <= 0.95));
            var row = b.Rows.First(o => o.Symptom == symptom && o.Predictor == served);
            targets.Add(new("(b) 80 % coverage in 0.77–0.83", symptom, row.Coverage80!.Value, "0.77–0.83", row.Coverage80 is >= 0.77 and <= 0.83));
            targets.Add(new("(b) 95 % coverage in 0.93–0.97", symptom, row.Coverage95!.Value, "0.93–0.97", row.Coverage95 is >= 0.93 and <= 0.97));
            targets.Add(new("(b) 10th-percentile patient's 80 % coverage ≥ 0.6", symptom, row.PatientCoverage80Percentiles![0], "≥ 0.60", row.PatientCoverage80Percentiles[0] >= 0.6));
        }
        foreach (var x in c)
            targets.Add(new("(c) biweekly next-assessment MAE ≤ 0.9 × last assessment", x.Symptom, x.Ratio, "≤ 0.90", x.Ratio <= 0.9));

        var text = new StringBuilder();
        text.AppendLine($"# Forecast set {set.Version}: release evaluation (issue 13)");
        text.AppendLine();
        text.AppendLine($"Run once for this version on seeds not used before ({DateTime.UtcNow:yyyy-MM-dd}): training simulator {seedTraining}, regime family {seedRegime}, " +
                        $"biweekly questionnaires {seedAssessments}. `{served}` is what the silo serves (weights and intervals personalised from each patient's " +
                        $"backtest, ADR 0021); `{GlobalName(set)}` the set's learned weights and intervals alone. Command: " +
                        $"`./novamind evaluate release --version {set.Version} --seed-training {seedTraining} --seed-regime {seedRegime} --seed-assessments {seedAssessments}`.");
        text.AppendLine();
        text.AppendLine("## Targets");
        text.AppendLine();
        text.AppendLine("| target | symptom | value | threshold | result |");
        text.AppendLine("|---|---|---:|---|---|");
        foreach (var t in targets) text.AppendLine(FormattableString.Invariant($"| {t.Name} | {t.Symptom} | {t.Value:F3} | {t.Threshold} | {(t.Met ? "met" : "**missed**")} |"));
        text.AppendLine();
        text.AppendLine("## (a) Training simulator, fresh seed");
        text.AppendLine();
        text.Append(Table(a));
        text.AppendLine();
        text.AppendLine("## (b) Regime-switching family (never trained or tuned on), fresh seed");
        text.AppendLine();
        text.Append(Table(b));
        text.AppendLine();
        text.AppendLine("## (c) Biweekly PHQ-9 and GAD-7");
        text.AppendLine();
        text.Append(AssessmentTable(set, assessmentsFamily, QuestionnaireCadence.Biweekly, c, cSeconds));
        text.AppendLine();
        text.AppendLine("MAE per horizon 1–28, coverage per horizon and per-patient coverage percentiles for every row: release-evaluation.json.");
        File.WriteAllText(md, text.ToString());
        File.WriteAllText(Path.Combine(setDirectory, ReleaseJsonFile), JsonSerializer.Serialize(new
        {
            version = set.Version, seeds = new { training = seedTraining, regime = seedRegime, assessments = seedAssessments },
            targets, training = a.Rows, regime = b.Rows, assessments = c,
        }, ModelArtifacts.Json));
        output.Write(text);
        return 0;
    }
}
