using NovaMind.Domain.Correlation;
using NovaMind.Domain.Observations;
using static NovaMind.Domain.Tests.Correlation.CorrelationStatisticsTests;

namespace NovaMind.Domain.Tests.Correlation;

public class LagCorrelationEngineTests
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);

    private static Observation At(DateOnly day, ObservationType type, double value, int hour = 8) =>
        new(new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero), type, value);

    private static double Normal(Random rng, double sd) =>
        sd * Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>mood(t) = 5 + slope·(sleep(t − lag) − 7) + noise; sleep is white noise, so only the planted lag carries signal.</summary>
    private static List<Observation> Planted(int days, int lag, double slope, int seed, double missing = 0.1)
    {
        var rng = new Random(seed);
        var first = LastDay.AddDays(-(days - 1));
        var sleep = new double[days];
        var observations = new List<Observation>();
        for (var d = 0; d < days; d++)
        {
            sleep[d] = Math.Round(7 + Normal(rng, 1), 2);
            var mood = 5 + (d >= lag ? slope * (sleep[d - lag] - 7) : 0) + Normal(rng, 0.5);
            if (rng.NextDouble() >= missing) observations.Add(At(first.AddDays(d), ObservationType.SleepHours, sleep[d], hour: 7));
            if (rng.NextDouble() >= missing) observations.Add(At(first.AddDays(d), ObservationType.Mood, Math.Round(mood, 1)));
        }
        return observations;
    }

    [Theory]
    [InlineData(CorrelationMethod.Pearson)]
    [InlineData(CorrelationMethod.Spearman)]
    public void PlantedEffect_AtLagTwo_RanksFirst_WithTheRightSign(CorrelationMethod method)
    {
        var observations = Planted(days: 120, lag: 2, slope: -0.8, seed: 5);
        var report = LagCorrelationEngine.Analyze(observations, new LagCorrelationRequest { LookbackDays = 120, MaxLag = 7, Method = method });

        var top = report.Correlations[0];
        Assert.Equal((ObservationType.SleepHours, ObservationType.Mood, 2, method), (top.BiometricType, top.SymptomType, top.LagDays, top.Method));
        Assert.True(top.Coefficient < -0.6, $"r = {top.Coefficient}");
        Assert.True(top.QValue < 1e-10, $"q = {top.QValue}");
        Assert.True(top.CiHigh < 0 && top.CiLow < top.Coefficient && top.Coefficient < top.CiHigh);
        Assert.Equal(PValueMethod.StudentT, top.PValueMethod); // n ≥ 30
        // Every other lag is noise: far weaker.
        Assert.All(report.Correlations.Skip(1), c => Assert.True(Math.Abs(c.Coefficient) < 0.35, $"lag {c.LagDays}: {c.Coefficient}"));

        // Types without observations are reported as excluded, not dropped silently.
        Assert.Contains(report.Excluded, e => e.BiometricType == ObservationType.HrvMs && e.SymptomType == ObservationType.Mood
                                              && e.LagDays == 0 && e.Kind == ExclusionReason.NoOverlap);
        Assert.Equal(4 * 3 * 8, report.TestCount + report.Excluded.Count);
    }

    [Fact]
    public void LagK_PairsTheBiometricOnDayTMinusK_WithTheSymptomOnDayT()
    {
        // mood on day t is exactly sleep on day t − 3: lag 3 is a perfect correlation, lag 0 is not.
        var rng = new Random(9);
        var first = LastDay.AddDays(-13);
        var sleep = Enumerable.Range(0, 14).Select(_ => Math.Round(5 + 4 * rng.NextDouble(), 2)).ToArray();
        var observations = new List<Observation>();
        for (var d = 0; d < 14; d++)
        {
            observations.Add(At(first.AddDays(d), ObservationType.SleepHours, sleep[d]));
            if (d >= 3) observations.Add(At(first.AddDays(d), ObservationType.Mood, sleep[d - 3]));
        }
        var request = new LagCorrelationRequest
        {
            LookbackDays = 14, MaxLag = 5, MinOverlap = 5, Method = CorrelationMethod.Both,
            Biometrics = [ObservationType.SleepHours], Symptoms = [ObservationType.Mood],
        };

        var report = LagCorrelationEngine.Analyze(observations, request);

        var lag3 = report.Correlations.Where(c => c.LagDays == 3).ToList();
        Assert.Equal(2, lag3.Count);
        foreach (var c in lag3)
        {
            Assert.Equal(1.0, c.Coefficient, 12);
            Assert.Equal(11, c.N); // mood exists on days 3..13; sleep 3 days earlier exists for all of them
            Assert.Equal((1.0, 1.0), (c.CiLow, c.CiHigh));
            Assert.True(double.IsFinite(c.Confidence));
        }
        Assert.Equal(0.0, lag3.Single(c => c.Method == CorrelationMethod.Pearson).PValue);
        AssertRelative(2.0 / 39916800, lag3.Single(c => c.Method == CorrelationMethod.Spearman).PValue);
        Assert.Equal(PValueMethod.ExactPermutation, lag3.Single(c => c.Method == CorrelationMethod.Spearman).PValueMethod);
        Assert.Equal(3, report.Correlations[0].LagDays);
        Assert.True(report.Correlations.Where(c => c.LagDays != 3).All(c => Math.Abs(c.Coefficient) < 0.99));
    }

    [Fact]
    public void Rows_MatchTheStatisticsComputedDirectly_OnThePairwiseCompleteDailyMeans()
    {
        // Small window (n < 30: permutation p-values, exact and Monte-Carlo), missing days, several readings a day, many ties.
        var rng = new Random(42);
        var first = LastDay.AddDays(-24);
        var observations = new List<Observation>();
        foreach (var type in new[] { ObservationType.SleepHours, ObservationType.RestingHr, ObservationType.Mood, ObservationType.Gad7 })
            for (var d = 0; d < 25; d++)
            {
                if (rng.NextDouble() < 0.2) continue;
                var readings = rng.NextDouble() < 0.3 ? 2 : 1;
                for (var r = 0; r < readings; r++)
                    observations.Add(At(first.AddDays(d), type, Math.Round(type.Min + rng.Next(0, 8) + (type == ObservationType.RestingHr ? 40 : 0)), hour: 6 + 5 * r));
            }
        var request = new LagCorrelationRequest { LookbackDays = 25, MaxLag = 14, MinOverlap = 6, Method = CorrelationMethod.Both };

        var report = LagCorrelationEngine.Analyze(observations, request);

        Assert.Contains(report.Correlations, c => c.PValueMethod == PValueMethod.ExactPermutation);
        Assert.Contains(report.Correlations, c => c.PValueMethod == PValueMethod.MonteCarloPermutation);
        var daily = observations.GroupBy(o => (o.Type, Day: DateOnly.FromDateTime(o.Time.UtcDateTime)))
            .ToDictionary(g => g.Key, g => g.Average(o => o.Value));
        foreach (var row in report.Correlations)
        {
            var pairs = Enumerable.Range(0, 25).Select(first.AddDays)
                .Where(t => daily.ContainsKey((row.SymptomType, t)) && daily.ContainsKey((row.BiometricType, t.AddDays(-row.LagDays)))
                            && t.AddDays(-row.LagDays) >= first)
                .Select(t => (X: daily[(row.BiometricType, t.AddDays(-row.LagDays))], Y: daily[(row.SymptomType, t)]))
                .ToArray();
            var x = pairs.Select(p => p.X).ToArray();
            var y = pairs.Select(p => p.Y).ToArray();
            Assert.Equal(pairs.Length, row.N);
            if (row.Method == CorrelationMethod.Pearson)
            {
                Assert.Equal(CorrelationStatistics.Pearson(x, y), row.Coefficient, 12);
                Assert.Equal(PValueMethod.StudentT, row.PValueMethod);
                Assert.Equal(CorrelationStatistics.PearsonPValue(row.Coefficient, row.N), row.PValue, 12);
            }
            else
            {
                Assert.Equal(CorrelationStatistics.Spearman(x, y), row.Coefficient, 12);
                Assert.Equal(CorrelationStatistics.SpearmanPValue(row.Coefficient, row.N), row.StudentTPValue, 12);
                Assert.Equal(CorrelationStatistics.SpearmanPermutationPValue(x, y, out var how), row.PValue);
                Assert.Equal(how, row.PValueMethod);
                var (lo, hi) = CorrelationStatistics.FisherInterval(row.Coefficient, row.N, CorrelationStatistics.SpearmanFisherVarianceFactor);
                Assert.Equal(lo, row.CiLow, 12);
                Assert.Equal(hi, row.CiHigh, 12);
            }
        }
    }

    [Fact]
    public void MethodBoth_GivesOneRowPerMethod_ForEveryTestedPair()
    {
        var observations = Planted(days: 90, lag: 1, slope: 0.5, seed: 3);
        var report = LagCorrelationEngine.Analyze(observations, new LagCorrelationRequest { LookbackDays = 90, MaxLag = 4, Method = CorrelationMethod.Both });

        var tested = report.Correlations.GroupBy(c => (c.BiometricType, c.SymptomType, c.LagDays)).ToList();
        Assert.Equal(5, tested.Count); // sleep × mood × lags 0..4; every other pair has no data
        foreach (var g in tested)
        {
            Assert.Equal(new[] { CorrelationMethod.Pearson, CorrelationMethod.Spearman }, g.Select(c => c.Method).Order().ToArray());
            Assert.Single(g.Select(c => c.N).Distinct());
        }
        Assert.Equal(10, report.TestCount);
        Assert.DoesNotContain(report.Correlations, c => c.Method == CorrelationMethod.Both);
    }

    [Fact]
    public void QValues_AreComputedOverAllTests_ThenFiltered_AndRowsAreSortedByStrength()
    {
        var observations = Planted(days: 60, lag: 1, slope: 0.45, seed: 8);
        observations.AddRange(Planted(days: 60, lag: 4, slope: -0.3, seed: 9)
            .Where(o => o.Type == ObservationType.SleepHours)
            .Select(o => o with { Type = ObservationType.HrvMs, Value = o.Value * 8 }));
        var all = new LagCorrelationRequest { LookbackDays = 60, MaxLag = 7, Method = CorrelationMethod.Both, MinAbs = 0, MaxQ = 1 };
        var filtered = all with { MinAbs = 0.25, MaxQ = 0.05 };

        var everything = LagCorrelationEngine.Analyze(observations, all);
        var strong = LagCorrelationEngine.Analyze(observations, filtered);

        Assert.Equal(everything.TestCount, everything.Correlations.Count);
        Assert.Equal(everything.TestCount, strong.TestCount);
        // q over every test, before filtering: the filtered rows keep the q they had in the full list.
        var q = CorrelationStatistics.BenjaminiHochberg(everything.Correlations.Select(c => c.PValue).ToList());
        for (var i = 0; i < q.Length; i++) Assert.Equal(q[i], everything.Correlations[i].QValue, 15);
        var expected = everything.Correlations.Where(c => Math.Abs(c.Coefficient) >= 0.25 && c.QValue <= 0.05).ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < everything.Correlations.Count);
        Assert.Equal(expected, strong.Correlations);

        foreach (var report in new[] { everything, strong })
            for (var i = 1; i < report.Correlations.Count; i++)
                Assert.True(Math.Abs(report.Correlations[i - 1].Coefficient) >= Math.Abs(report.Correlations[i].Coefficient));
    }

    [Fact]
    public void ConstantSeries_TooFewDays_AndMissingTypes_AreExcludedWithAReason_NeverNaN()
    {
        var first = LastDay.AddDays(-29);
        var rng = new Random(1);
        var observations = new List<Observation>();
        for (var d = 0; d < 30; d++)
        {
            var day = first.AddDays(d);
            observations.Add(At(day, ObservationType.SleepHours, Math.Round(6 + 2 * rng.NextDouble(), 2)));
            observations.Add(At(day, ObservationType.Steps, 5000));                 // constant biometric
            observations.Add(At(day, ObservationType.Mood, rng.Next(2, 9)));
            observations.Add(At(day, ObservationType.Phq9, 10));                    // constant symptom
            if (d % 6 == 3) observations.Add(At(day, ObservationType.Gad7, rng.Next(0, 21))); // 5 days only
        }
        var request = new LagCorrelationRequest { LookbackDays = 30, MaxLag = 2, Method = CorrelationMethod.Both };

        var report = LagCorrelationEngine.Analyze(observations, request);

        ExcludedPair Excluded(ObservationType b, ObservationType s, int lag) =>
            report.Excluded.Single(e => e.BiometricType == b && e.SymptomType == s && e.LagDays == lag);
        Assert.Equal(ExclusionReason.ConstantBiometric, Excluded(ObservationType.Steps, ObservationType.Mood, 0).Kind);
        Assert.Equal(ExclusionReason.ConstantSymptom, Excluded(ObservationType.SleepHours, ObservationType.Phq9, 1).Kind);
        var few = Excluded(ObservationType.SleepHours, ObservationType.Gad7, 2);
        Assert.Equal(ExclusionReason.TooFewDays, few.Kind);
        Assert.Contains("only 5 days", few.Reason);
        Assert.Equal(ExclusionReason.NoOverlap, Excluded(ObservationType.HrvMs, ObservationType.Mood, 0).Kind);
        Assert.All(report.Excluded, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));

        // Only sleep × mood (3 lags × 2 methods) is tested; everything else is excluded, once per (pair, lag).
        Assert.Equal(6, report.TestCount);
        Assert.Equal(4 * 3 * 3 - 3, report.Excluded.Count);
        Assert.All(report.Correlations, c =>
        {
            Assert.Equal(ObservationType.SleepHours, c.BiometricType);
            Assert.Equal(ObservationType.Mood, c.SymptomType);
            foreach (var v in new[] { c.Coefficient, c.PValue, c.StudentTPValue, c.QValue, c.CiLow, c.CiHigh, c.Confidence })
                Assert.True(double.IsFinite(v));
        });
    }

    [Fact]
    public void Window_EndsOnTheLastObservedDayOfAnyType_OrOnTheExplicitEnd()
    {
        var observations = Planted(days: 40, lag: 0, slope: 0.6, seed: 2);
        var late = At(LastDay.AddDays(5), ObservationType.Steps, 1000); // a later reading of another type moves the end
        observations.Add(late);

        var byDefault = LagCorrelationEngine.Analyze(observations, new LagCorrelationRequest { LookbackDays = 30, MaxLag = 0 });
        Assert.Equal(LastDay.AddDays(5), byDefault.WindowEnd);
        Assert.Equal(LastDay.AddDays(-24), byDefault.WindowStart);

        var explicitEnd = LagCorrelationEngine.Analyze(observations, new LagCorrelationRequest { LookbackDays = 30, MaxLag = 0, End = LastDay.AddDays(-10) });
        Assert.Equal(LastDay.AddDays(-10), explicitEnd.WindowEnd);
        Assert.Equal(LastDay.AddDays(-39), explicitEnd.WindowStart);
        var row = explicitEnd.Correlations.Single(c => c.BiometricType == ObservationType.SleepHours && c.SymptomType == ObservationType.Mood);
        var inWindow = observations.Where(o => DateOnly.FromDateTime(o.Time.UtcDateTime) is var d && d >= LastDay.AddDays(-39) && d <= LastDay.AddDays(-10)).ToList();
        var bothDays = inWindow.Where(o => o.Type == ObservationType.Mood).Select(o => o.Time.Date)
            .Intersect(inWindow.Where(o => o.Type == ObservationType.SleepHours).Select(o => o.Time.Date)).Count();
        Assert.Equal(bothDays, row.N);
    }

    [Fact]
    public void NoObservations_ExcludesEverything()
    {
        var report = LagCorrelationEngine.Analyze([], new LagCorrelationRequest { MaxLag = 1 });

        Assert.Null(report.WindowStart);
        Assert.Null(report.WindowEnd);
        Assert.Empty(report.Correlations);
        Assert.Equal(0, report.TestCount);
        Assert.Equal(4 * 3 * 2, report.Excluded.Count);
        Assert.All(report.Excluded, e => Assert.Equal(ExclusionReason.NoOverlap, e.Kind));
    }

    [Fact]
    public void InvalidRequest_Throws_NamingTheParameter()
    {
        var error = Assert.Throws<ArgumentException>(() => LagCorrelationEngine.Analyze([], new LagCorrelationRequest { MaxLag = 31 }));
        Assert.StartsWith("maxLag:", error.Message);
    }

    [Fact]
    public void ConfidenceScore_FollowsItsFormula()
    {
        // precision × coverage × support = (1 − 0.4/2) × (½ + ½·30/30) × min(1, √(30/30))
        Assert.Equal(0.8, LagCorrelationEngine.ConfidenceScore(30, 0.2, 0.6, 30), 12);
        // Half the days missing and n = 15: (1 − 0.2) × 0.75 × √0.5
        Assert.Equal(0.8 * 0.75 * Math.Sqrt(0.5), LagCorrelationEngine.ConfidenceScore(15, 0.2, 0.6, 30), 12);
        Assert.Equal(0.0, LagCorrelationEngine.ConfidenceScore(10, -1, 1, 30));
        Assert.Equal(1.0, LagCorrelationEngine.ConfidenceScore(365, 1, 1, 365));
    }
}
