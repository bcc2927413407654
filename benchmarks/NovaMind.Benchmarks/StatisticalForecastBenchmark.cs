using System.Diagnostics;
using NovaMind.Domain.Observations;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Forecasting.Personalised;
using NovaMind.Ml.Forecasting.Statistical;
using NovaMind.Simulation;

namespace NovaMind.Benchmarks;

/// <summary>
/// The per-patient statistical members' cost on one core, for one patient-symptom series of 113 and of 240 days (10 % of
/// days missing; target ≤ 20 ms): AutoETS over the six additive variants, and seasonal ARIMA — SARIMA(1,0,0)(1,0,0)7 alone
/// and the search over the 16 models with orders 0 or 1.
/// </summary>
public static class StatisticalForecastBenchmark
{
    public static void Run(Action<string> say, int series = 40)
    {
        say("## Per-patient statistical members, one core");
        say("");
        say("| model | days | series | median ms | p90 ms | max ms | chosen |");
        say("|---|---:|---:|---:|---:|---:|---|");
        foreach (var days in new[] { 113, 240 })
        {
            var rng = new Random(days);
            var data = Enumerable.Range(0, series).Select(_ =>
            {
                var level = 4 + 2 * rng.NextDouble();
                var weekly = rng.NextDouble();
                var y = new double[days];
                var state = 0.0;
                for (var t = 0; t < days; t++)
                {
                    state = 0.7 * state + rng.NextDouble() - 0.5;
                    y[t] = rng.NextDouble() < 0.1 ? double.NaN : level + state + weekly * Math.Sin(2 * Math.PI * t / 7);
                }
                return y;
            }).ToList();
            Measure("AutoETS (6 variants)", days, data, y => ExponentialSmoothing.FitBest(y).Spec.Name, say);
            Measure("SARIMA(1,0,0)(1,0,0)7", days, data, y => SeasonalArima.Fit(new SarimaSpec(1, 0, 1, 0), y).Spec.Name, say);
            Measure("ETS(A,N,A)", days, data, y => ExponentialSmoothing.Fit(StatisticalMember.Ets, y).Spec.Name, say);
            Measure("member: SARIMA + ETS(A,N,A) mean", days, data, y => StatisticalMember.Forecast(y, 28) is null ? "none" : "mean", say);
            Measure("SARIMA search (16 models)", days, data, y => SeasonalArima.FitBest(y).Spec.Name, say);
        }
        say("");
    }

    /// <summary>
    /// A whole served forecast per patient-symptom, paired in one run: the models alone (prepare + one Transformer/XGBoost
    /// row), the set's global ensemble (the same plus one member fit and the combination), and personalised by each rule:
    /// shrinkage with 8 backtest origins (sets 0.4.0–0.6.0: 9 model rows, two member fits, one weight search per group),
    /// ensemble-or-member with 8 (ADR 0029: the same plus the choice, and the member's own intervals when chosen) and
    /// cross-validated with 12 (ADR 0028: 13 rows, a weight search per origin left out and the interval-score choice).
    /// Simulated patients with 150 and 365 days of history.
    /// </summary>
    public static void RunServing(Action<string> say, string modelsRoot, int patients = 20)
    {
        NovaMind.Ml.TorchRuntime.Initialize(null);
        NovaMind.Ml.TorchRuntime.UseCpuThreads(1);
        using var models = SymptomForecaster.LoadCurrent(Path.Combine(modelsRoot, "forecast"));
        (string Name, PersonalisedForecaster Forecaster)[] rules =
        [
            ("shrinkage, 8 origins", new(models, new PersonalisationOptions { Rule = PersonalisationRule.Shrinkage, BacktestOrigins = 8 })),
            ("ensemble or member, 8 origins", new(models, new PersonalisationOptions { Rule = PersonalisationRule.EnsembleOrMember, BacktestOrigins = 8 })),
            ("cross-validated, 12 origins", new(models, new PersonalisationOptions { Rule = PersonalisationRule.CrossValidated, BacktestOrigins = 12 })),
        ];
        var globalOnly = new PersonalisedForecaster(models, new PersonalisationOptions { BacktestOrigins = 0 });
        Task<SymptomForecastOutput[]> Predict(IReadOnlyList<SymptomForecastInput> inputs) => Task.FromResult(models.Predict(inputs));
        say($"## Served forecast per patient-symptom: models only, global ensemble, personalised by each rule ({models.Version}, one core, one torch thread)");
        say("");
        say("| history days | requests | models only median ms | global ensemble median ms | " + string.Join(" | ", rules.Select(r => $"{r.Name} median ms")) + " | " +
            string.Join(" | ", rules.Skip(1).Select(r => $"{r.Name} / {rules[0].Name} (medians)")) + " | " + string.Join(" | ", rules.Select(r => $"{r.Name} p90 ms")) + " |");
        say("|---:|---:|---:|---:|" + string.Concat(Enumerable.Repeat("---:|", 3 * rules.Length - 1)));
        foreach (var days in new[] { 150, 365 })
        {
            var cohort = new SymptomCohortSimulator(days).Simulate(patients, days, new DateOnly(2026, 6, 30));
            var requests = cohort.Patients.SelectMany(p => new[] { ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7 }.Select(s => (p, s))).ToList();
            PersonalisedForecaster[] forecasters = [globalOnly, .. rules.Select(r => r.Forecaster)];
            foreach (var (p, s) in requests.Take(6)) // warm-up: tiered JIT, torch kernels
            {
                models.Predict([models.Prepare(p.Observations, s, null)!]);
                foreach (var f in forecasters) f.ForecastAsync(p.Observations, s, null, Predict).GetAwaiter().GetResult();
            }
            var modelsOnly = new List<double>();
            var times = forecasters.Select(_ => new List<double>()).ToArray();
            foreach (var (i, (p, s)) in requests.Index())
            {
                var sw = Stopwatch.StartNew();
                models.Predict([models.Prepare(p.Observations, s, null)!]);
                modelsOnly.Add(sw.Elapsed.TotalMilliseconds);
                // Rotate the rules' order per request so none always runs on another's warm caches.
                foreach (var k in new[] { 0 }.Concat(Enumerable.Range(0, rules.Length).Select(j => 1 + (i + j) % rules.Length)))
                {
                    sw.Restart();
                    forecasters[k].ForecastAsync(p.Observations, s, null, Predict).GetAwaiter().GetResult();
                    times[k].Add(sw.Elapsed.TotalMilliseconds);
                }
            }
            static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
            static double P90(List<double> v) => v.Order().ElementAt((int)(v.Count * 0.9));
            var rule = times.Skip(1).ToArray();
            say($"| {days} | {requests.Count} | {Median(modelsOnly):F1} | {Median(times[0]):F1} | " + string.Join(" | ", rule.Select(t => $"{Median(t):F1}")) + " | " +
                string.Join(" | ", rule.Skip(1).Select(t => $"{Median(t) / Median(rule[0]):F2}")) + " | " + string.Join(" | ", rule.Select(t => $"{P90(t):F1}")) + " |");
        }
        say("");
    }

    private static void Measure(string name, int days, List<double[]> data, Func<double[], string> fit, Action<string> say)
    {
        for (var w = 0; w < 5; w++) fit(data[w]); // warm-up: tiered JIT
        var times = new List<double>();
        var chosen = new Dictionary<string, int>();
        foreach (var y in data)
        {
            var sw = Stopwatch.StartNew();
            var model = fit(y);
            times.Add(sw.Elapsed.TotalMilliseconds);
            chosen[model] = chosen.GetValueOrDefault(model) + 1;
        }
        times.Sort();
        say($"| {name} | {days} | {data.Count} | {times[times.Count / 2]:F1} | {times[(int)(times.Count * 0.9)]:F1} | {times[^1]:F1} | " +
            $"{string.Join(", ", chosen.OrderByDescending(c => c.Value).Take(3).Select(c => $"{c.Key} ×{c.Value}"))} |");
    }
}
