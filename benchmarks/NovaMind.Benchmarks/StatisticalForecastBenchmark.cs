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
    /// row), the set's global ensemble (the same plus one member fit and the combination) and the personalised one
    /// (prepare at the origin and up to 8 backtest origins, 9 model rows in one batch, two member fits, the weight search
    /// and interval scales); and the member's own cost (fit at the origin + backtest) as SARIMA alone and as the
    /// SARIMA + ETS(A,N,A) mean, side by side. Simulated patients with 150 and 365 days of history.
    /// </summary>
    public static void RunServing(Action<string> say, string modelsRoot, int patients = 20)
    {
        NovaMind.Ml.TorchRuntime.Initialize(null);
        NovaMind.Ml.TorchRuntime.UseCpuThreads(1);
        using var models = SymptomForecaster.LoadCurrent(Path.Combine(modelsRoot, "forecast"));
        var personalised = new PersonalisedForecaster(models, new PersonalisationOptions());
        var globalOnly = new PersonalisedForecaster(models, new PersonalisationOptions { BacktestOrigins = 0 });
        Task<SymptomForecastOutput[]> Predict(IReadOnlyList<SymptomForecastInput> inputs) => Task.FromResult(models.Predict(inputs));
        say($"## Served forecast per patient-symptom: models only, global ensemble, personalised ({models.Version}, one core, one torch thread)");
        say("");
        say("| history days | requests | models only median ms | global ensemble median ms | personalised median ms | personalised / global (medians) | personalised p90 ms | member fit + backtest median ms: SARIMA alone | SARIMA + ETS mean | ratio |");
        say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var days in new[] { 150, 365 })
        {
            var cohort = new SymptomCohortSimulator(days).Simulate(patients, days, new DateOnly(2026, 6, 30));
            var requests = cohort.Patients.SelectMany(p => new[] { ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7 }.Select(s => (p, s))).ToList();
            foreach (var (p, s) in requests.Take(6)) // warm-up: tiered JIT, torch kernels
            {
                models.Predict([models.Prepare(p.Observations, s, null)!]);
                globalOnly.ForecastAsync(p.Observations, s, null, Predict).GetAwaiter().GetResult();
                personalised.ForecastAsync(p.Observations, s, null, Predict).GetAwaiter().GetResult();
            }
            var (modelsOnly, global, personal, statistical) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
            var sarimaAlone = new List<double>();
            foreach (var (p, s) in requests)
            {
                var sw = Stopwatch.StartNew();
                models.Predict([models.Prepare(p.Observations, s, null)!]);
                modelsOnly.Add(sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                globalOnly.ForecastAsync(p.Observations, s, null, Predict).GetAwaiter().GetResult();
                global.Add(sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                personalised.ForecastAsync(p.Observations, s, null, Predict).GetAwaiter().GetResult();
                personal.Add(sw.Elapsed.TotalMilliseconds);
                var series = p.Daily[s];
                int[] origins = [.. Enumerable.Range(1, 8).Select(k => days - 1 - 7 * (9 - k))];
                foreach (var (kind, times) in new[] { (StatisticalMemberKind.Sarima, sarimaAlone), (StatisticalMemberKind.SarimaEtsMean, statistical) })
                {
                    sw.Restart();
                    StatisticalMember.Forecast(series, 28, kind);
                    StatisticalMember.Backtest(series, origins, 28, kind);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                }
            }
            static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
            say($"| {days} | {requests.Count} | {Median(modelsOnly):F1} | {Median(global):F1} | {Median(personal):F1} | {Median(personal) / Median(global):F1} | " +
                $"{personal.Order().ElementAt((int)(personal.Count * 0.9)):F1} | {Median(sarimaAlone):F1} | {Median(statistical):F1} | {Median(statistical) / Median(sarimaAlone):F2} |");
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
