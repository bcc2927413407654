using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using Xunit.Abstractions;

namespace NovaMind.Domain.Tests.Forecasting;

public class SymptomCohortSimulatorTests(ITestOutputHelper output)
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);

    // One shared cohort keeps the suite fast; tests only read it.
    private static readonly Lazy<SymptomCohort> Shared = new(() => new SymptomCohortSimulator(20260701).Simulate(60, 240, LastDay));
    private static SymptomCohort Cohort => Shared.Value;

    [Fact]
    public void SameSeed_GivesIdenticalCohorts_AndAPatientDoesNotDependOnCohortSize()
    {
        var a = new SymptomCohortSimulator(42).Simulate(5, 120, LastDay);
        var b = new SymptomCohortSimulator(42).Simulate(5, 120, LastDay);
        var alone = new SymptomCohortSimulator(42).SimulatePatient(3, 120, LastDay);
        var other = new SymptomCohortSimulator(43).Simulate(5, 120, LastDay);
        for (var p = 0; p < 5; p++)
        {
            Assert.Equal(a.Patients[p].Parameters, b.Patients[p].Parameters);
            Assert.Equal(a.Patients[p].Observations, b.Patients[p].Observations);
            Assert.False(a.Patients[p].Observations.SequenceEqual(other.Patients[p].Observations));
        }
        Assert.Equal(a.Patients[3].Observations, alone.Observations);
        var fa = a.OracleForecast(1, LastDay.AddDays(-30), ObservationType.Mood, 14);
        var fb = b.OracleForecast(1, LastDay.AddDays(-30), ObservationType.Mood, 14);
        Assert.Equal(fa.Mean, fb.Mean);
        Assert.Equal(fa.Sd, fb.Sd);
    }

    [Fact]
    public void EveryValue_IsInItsTypesRange_OnItsDay_AndAllSevenTypesAreEmitted()
    {
        var first = new DateTimeOffset(LastDay.AddDays(-239).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(LastDay.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        foreach (var p in Cohort.Patients)
        {
            foreach (var o in p.Observations)
            {
                Assert.True(o.Type.Contains(o.Value), $"{o.Type} {o.Value}");
                Assert.InRange(o.Time, first, end.AddTicks(-1));
                Assert.Equal(p.Daily[o.Type][p.DayIndex(DateOnly.FromDateTime(o.Time.UtcDateTime))], o.Value);
            }
            Assert.Equal(7, p.Observations.Select(o => o.Type).Distinct().Count());
        }
        // Daily check-ins: the three symptoms are present on most days (enough history for 28-day windows).
        var moodShare = Cohort.Patients.Average(p => p.Daily[ObservationType.Mood].Count(v => !double.IsNaN(v)) / (double)p.Days);
        Assert.InRange(moodShare, 0.75, 0.95);
    }

    [Fact]
    public void PlantedLags_OfSleepAndHrv_AreTheStrongestLags()
    {
        var o = Cohort.Options;
        var sleep = PooledLagCorrelations(ObservationType.SleepHours, 5);
        var hrv = PooledLagCorrelations(ObservationType.HrvMs, 5);
        output.WriteLine($"sleep r by lag 0..5: {string.Join(", ", sleep.Select(r => r.ToString("F3")))}");
        output.WriteLine($"hrv   r by lag 0..5: {string.Join(", ", hrv.Select(r => r.ToString("F3")))}");
        // Higher sleep / HRV → lower severity → better mood: the planted correlations are positive.
        Assert.True(sleep[o.SleepLag] > 0.1, $"sleep lag {o.SleepLag}: {sleep[o.SleepLag]:F3}");
        Assert.True(hrv[o.HrvLag] > 0.1, $"hrv lag {o.HrvLag}: {hrv[o.HrvLag]:F3}");
        for (var k = 0; k <= 5; k++)
        {
            if (k != o.SleepLag) Assert.True(Math.Abs(sleep[k]) < sleep[o.SleepLag] - 0.05, $"sleep lag {k}: {sleep[k]:F3} vs {sleep[o.SleepLag]:F3}");
            if (k != o.HrvLag) Assert.True(Math.Abs(hrv[k]) < hrv[o.HrvLag] - 0.05, $"hrv lag {k}: {hrv[k]:F3} vs {hrv[o.HrvLag]:F3}");
        }
    }

    /// <summary>
    /// Pooled within-patient correlation of the mood innovation (mood_t − ρ·mood_t−1, after removing each patient's weekday
    /// means) with the biometric k days earlier. Quasi-differencing removes mood's own autocorrelation, which otherwise
    /// smears a lag-L effect over later lags.
    /// </summary>
    private static double[] PooledLagCorrelations(ObservationType biometric, int maxLag)
    {
        var xs = new List<double>[maxLag + 1];
        var ys = new List<double>[maxLag + 1];
        for (var k = 0; k <= maxLag; k++) { xs[k] = []; ys[k] = []; }
        foreach (var p in Cohort.Patients)
        {
            var mood = Deseasonalised(p, p.Daily[ObservationType.Mood]);
            var bio = Deseasonalised(p, p.Daily[biometric]);
            var rho = p.Parameters.Persistence;
            for (var k = 0; k <= maxLag; k++)
            {
                var x = new List<double>();
                var y = new List<double>();
                for (var t = Math.Max(1, k); t < p.Days; t++)
                {
                    if (double.IsNaN(mood[t]) || double.IsNaN(mood[t - 1]) || double.IsNaN(bio[t - k])) continue;
                    y.Add(mood[t] - rho * mood[t - 1]);
                    x.Add(bio[t - k]);
                }
                // Standardise within patient, then pool.
                xs[k].AddRange(Standardised(x));
                ys[k].AddRange(Standardised(y));
            }
        }
        var r = new double[maxLag + 1];
        for (var k = 0; k <= maxLag; k++) r[k] = xs[k].Zip(ys[k], (a, b) => a * b).Sum() / xs[k].Count;
        return r;
    }

    private static double[] Deseasonalised(SymptomSimulatedPatient p, double[] values)
    {
        var means = new double[7];
        var counts = new int[7];
        for (var t = 0; t < values.Length; t++)
        {
            if (double.IsNaN(values[t])) continue;
            var w = (int)p.FirstDay.AddDays(t).DayOfWeek;
            means[w] += values[t];
            counts[w]++;
        }
        var result = new double[values.Length];
        for (var t = 0; t < values.Length; t++)
        {
            var w = (int)p.FirstDay.AddDays(t).DayOfWeek;
            result[t] = double.IsNaN(values[t]) ? double.NaN : values[t] - means[w] / counts[w];
        }
        return result;
    }

    private static IEnumerable<double> Standardised(List<double> v)
    {
        var mean = v.Average();
        var sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Count);
        return v.Select(x => (x - mean) / sd);
    }

    [Fact]
    public void Medication_ImprovesMood_AfterItsDelay()
    {
        var diffs = new List<double>();
        foreach (var p in Cohort.Patients)
        {
            if (p.Parameters.MedicationStart is not { } start) continue;
            var s = p.DayIndex(start);
            var full = s + p.Parameters.MedicationDelayDays + p.Parameters.MedicationRampDays;
            if (s < 28 || full + 28 > p.Days) continue;
            var mood = p.Daily[ObservationType.Mood];
            var before = Mean(mood, s - 28, s);
            var after = Mean(mood, full, full + 28);
            diffs.Add(after - before);
            // Nothing happens during the delay (up to noise).
            Assert.True(Math.Abs(p.Parameters.MedicationImprovement(start.AddDays(p.Parameters.MedicationDelayDays))) < 1e-12);
        }
        output.WriteLine($"{diffs.Count} medicated patients, mean mood change {diffs.Average():F2}");
        Assert.True(diffs.Count >= 8, $"only {diffs.Count} medicated patients");
        Assert.True(diffs.Average() > 0.6, $"mean improvement {diffs.Average():F2}");
        Assert.True(diffs.Count(d => d > 0) >= 0.75 * diffs.Count);
    }

    [Fact]
    public void RelapseEpisodes_LowerMood()
    {
        var diffs = new List<double>();
        foreach (var p in Cohort.Patients)
        {
            var mood = p.Daily[ObservationType.Mood];
            var inR = Enumerable.Range(0, p.Days).Where(d => p.InRelapse(d) && !double.IsNaN(mood[d])).Select(d => mood[d]).ToList();
            var outR = Enumerable.Range(0, p.Days).Where(d => !p.InRelapse(d) && !double.IsNaN(mood[d])).Select(d => mood[d]).ToList();
            if (inR.Count >= 14 && outR.Count >= 14) diffs.Add(inR.Average() - outR.Average());
        }
        output.WriteLine($"{diffs.Count} patients with relapses, mean mood difference {diffs.Average():F2}");
        Assert.True(diffs.Count >= 10, $"only {diffs.Count} patients with relapse episodes");
        Assert.True(diffs.Average() < -0.7, $"mean difference {diffs.Average():F2}");
    }

    [Fact]
    public void Missingness_IsMoreLikely_OnWorseDays()
    {
        int worse = 0, worseMissing = 0, better = 0, betterMissing = 0;
        foreach (var p in Cohort.Patients)
            for (var d = 0; d < p.Days; d++)
            {
                var missing = double.IsNaN(p.Daily[ObservationType.Mood][d]);
                if (p.LatentMood[d] < 4.5) { worse++; if (missing) worseMissing++; }
                else if (p.LatentMood[d] > 6.5) { better++; if (missing) betterMissing++; }
            }
        var pw = worseMissing / (double)worse;
        var pb = betterMissing / (double)better;
        output.WriteLine($"P(missing | latent mood < 4.5) = {pw:P1} ({worse} days), P(missing | > 6.5) = {pb:P1} ({better} days)");
        Assert.True(pb > 0.04, "missing at random on good days too");
        Assert.True(pw > pb + 0.05, $"{pw:P1} vs {pb:P1}");
    }

    [Fact]
    public void Oracle_BeatsLastValueAndPatientMean_AndItsSdIsCalibrated()
    {
        int[] horizons = [1, 7, 14];
        foreach (var symptom in new[] { ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7 })
        {
            var oracle = new double[3];
            var last = new double[3];
            var mean = new double[3];
            var n = new int[3];
            int covered = 0, total = 0;
            foreach (var p in Cohort.Patients.Take(40))
            {
                var values = p.Daily[symptom];
                for (var d = 42; d + 14 < p.Days; d += 3)
                {
                    var history = Enumerable.Range(0, d + 1).Select(i => values[i]).Where(v => !double.IsNaN(v)).ToList();
                    if (history.Count == 0) continue;
                    var lastValue = history[^1];
                    var patientMean = history.Average();
                    var f = Cohort.OracleForecast(p.Index, p.FirstDay.AddDays(d), symptom, 14);
                    for (var h = 1; h <= 14; h++)
                    {
                        var y = values[d + h];
                        if (double.IsNaN(y)) continue;
                        total++;
                        if (Math.Abs(y - f.Mean[h - 1]) <= 1.2816 * f.Sd[h - 1]) covered++;
                        var j = Array.IndexOf(horizons, h);
                        if (j < 0) continue;
                        oracle[j] += Math.Abs(y - f.Mean[h - 1]);
                        last[j] += Math.Abs(y - lastValue);
                        mean[j] += Math.Abs(y - patientMean);
                        n[j]++;
                    }
                }
            }
            var coverage = covered / (double)total;
            for (var j = 0; j < 3; j++)
            {
                oracle[j] /= n[j]; last[j] /= n[j]; mean[j] /= n[j];
                output.WriteLine($"{symptom} h{horizons[j]}: MAE oracle {oracle[j]:F3}, last value {last[j]:F3}, patient mean {mean[j]:F3} (n {n[j]})");
                Assert.True(oracle[j] < last[j], $"{symptom} h{horizons[j]}: oracle {oracle[j]:F3} vs last value {last[j]:F3}");
                Assert.True(oracle[j] < mean[j], $"{symptom} h{horizons[j]}: oracle {oracle[j]:F3} vs patient mean {mean[j]:F3}");
            }
            output.WriteLine($"{symptom}: ±1.2816·sd coverage {coverage:P1} over h 1..14 ({total} targets)");
            Assert.InRange(coverage, 0.77, 0.83);
        }
    }

    [Fact]
    public void OracleSd_GrowsWithHorizon_AndTheForecastCanRunPastTheData()
    {
        var p = Cohort.Patients[0];
        var f = Cohort.OracleForecast(0, p.LastDay, ObservationType.Phq9, 28);
        Assert.Equal(28, f.Mean.Length);
        Assert.True(f.Sd[27] > f.Sd[0]);
        Assert.All(f.Sd, s => Assert.True(s > 0 && double.IsFinite(s)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cohort.OracleForecast(0, p.LastDay.AddDays(1), ObservationType.Phq9, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cohort.OracleForecast(0, p.LastDay, ObservationType.SleepHours, 0));
    }

    private static double Mean(double[] values, int from, int to)
    {
        var v = values[from..to].Where(x => !double.IsNaN(x)).ToList();
        return v.Average();
    }
}
