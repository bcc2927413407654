using System.Diagnostics;
using NovaMind.Ml.Forecasting.Statistical;

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
            Measure("SARIMA search (16 models)", days, data, y => SeasonalArima.FitBest(y).Spec.Name, say);
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
