using System.Diagnostics;
using NovaMind.Ml.Forecasting.Statistical;

namespace NovaMind.Benchmarks;

/// <summary>
/// The per-patient exponential smoothing member's cost on one core: all six additive variants fitted and the best by AICc
/// kept, for one patient-symptom series of 113 and of 240 days (10 % of days missing), target ≤ 20 ms.
/// </summary>
public static class StatisticalForecastBenchmark
{
    public static void Run(Action<string> say, int series = 40)
    {
        say("## Per-patient exponential smoothing (AutoETS over 6 additive variants), one core");
        say("");
        say("| days | series | median ms | p90 ms | max ms | chosen variants |");
        say("|---:|---:|---:|---:|---:|---|");
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
            for (var w = 0; w < 5; w++) ExponentialSmoothing.FitBest(data[w]); // warm-up: tiered JIT
            var times = new List<double>();
            var chosen = new Dictionary<string, int>();
            foreach (var y in data)
            {
                var sw = Stopwatch.StartNew();
                var fit = ExponentialSmoothing.FitBest(y);
                times.Add(sw.Elapsed.TotalMilliseconds);
                chosen[fit.Spec.Name] = chosen.GetValueOrDefault(fit.Spec.Name) + 1;
            }
            times.Sort();
            say($"| {days} | {series} | {times[times.Count / 2]:F1} | {times[(int)(times.Count * 0.9)]:F1} | {times[^1]:F1} | {string.Join(", ", chosen.OrderByDescending(c => c.Value).Select(c => $"{c.Key} ×{c.Value}"))} |");
        }
        say("");
    }
}
