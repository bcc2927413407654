using System.Globalization;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Correlation;

/// <summary>
/// Biometric ↔ symptom lag correlations for one patient. For every biometric B, symptom S and lag k = 0..maxLag, the
/// pairs are (B on day t − k, S on day t) for the days t of the window on which both daily means exist (both days inside
/// the window). Each (B, S, k) is one test per method; all tests of a request share one Benjamini–Hochberg family.
/// <para>
/// Cost: the daily series and each type's by-value day order are built once; a test is then O(window) with no sorting
/// (a pair's ranks come from walking the type's precomputed order and skipping days the pair lacks) and no allocation
/// beyond its result row. Only Spearman tests with n &lt; 30 pay for a permutation p-value.
/// </para>
/// </summary>
public static class LagCorrelationEngine
{
    /// <summary>Days below which the sample-size factor of <see cref="ConfidenceScore"/> is less than 1.</summary>
    public const int ConfidenceFullSupportDays = 30;

    /// <exception cref="ArgumentException">The request is invalid (<see cref="LagCorrelationRequestValidator"/> says why).</exception>
    public static LagCorrelationReport Analyze(IReadOnlyCollection<Observation> observations, LagCorrelationRequest request)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (LagCorrelationRequestValidator.Validate(request) is { } error)
            throw new ArgumentException($"{error.Parameter}: {error.Message}", nameof(request));

        var biometrics = request.Biometrics ?? TypesOf(ObservationCategory.Biometric);
        var symptoms = request.Symptoms ?? TypesOf(ObservationCategory.Symptom);
        var maxLag = request.MaxLag;
        var end = request.End ?? LastObservedDay(observations);
        var excluded = new List<ExcludedPair>();
        if (end is not { } windowEnd)
        {
            foreach (var b in biometrics)
                foreach (var s in symptoms)
                    for (var k = 0; k <= maxLag; k++)
                        excluded.Add(new(b, s, k, ExclusionReason.NoOverlap, "no observations"));
            return new LagCorrelationReport(null, null, 0, [], excluded);
        }

        var days = request.LookbackDays;
        var bio = new TypeSeries[biometrics.Count];
        for (var i = 0; i < bio.Length; i++) bio[i] = new TypeSeries(DailySeries.Build(observations, biometrics[i], windowEnd, days));
        var sym = new TypeSeries[symptoms.Count];
        for (var i = 0; i < sym.Length; i++) sym[i] = new TypeSeries(DailySeries.Build(observations, symptoms[i], windowEnd, days));

        var pearson = request.Method is CorrelationMethod.Pearson or CorrelationMethod.Both;
        var spearman = request.Method is CorrelationMethod.Spearman or CorrelationMethod.Both;

        // Scratch, reused by every test.
        var pairIndex = new int[days];
        var xs = new double[days];
        var ys = new double[days];
        var rx = new double[days];
        var ry = new double[days];
        var sequence = new int[days];

        var tests = new List<LagCorrelation>(bio.Length * sym.Length * (maxLag + 1) * (pearson && spearman ? 2 : 1));
        for (var bi = 0; bi < bio.Length; bi++)
        {
            var b = bio[bi];
            for (var si = 0; si < sym.Length; si++)
            {
                var s = sym[si];
                for (var k = 0; k <= maxLag; k++)
                {
                    var n = Gather(b, s, k, pairIndex, xs, ys);
                    var reason = Exclusion(n, request.MinOverlap, xs, ys, out var kind);
                    if (reason is not null)
                    {
                        excluded.Add(new(biometrics[bi], symptoms[si], k, kind, reason));
                        continue;
                    }
                    var possibleDays = days - k;
                    if (pearson)
                    {
                        var r = CorrelationStatistics.Pearson(xs.AsSpan(0, n), ys.AsSpan(0, n));
                        var p = CorrelationStatistics.PearsonPValue(r, n);
                        var (lo, hi) = CorrelationStatistics.FisherInterval(r, n);
                        tests.Add(new(biometrics[bi], symptoms[si], k, CorrelationMethod.Pearson, r, p, PValueMethod.StudentT, p,
                            double.NaN, lo, hi, n, ConfidenceScore(n, lo, hi, possibleDays)));
                    }
                    if (spearman)
                    {
                        RanksOfPairs(b, k, pairIndex, xs, rx, sequence, biometricSide: true, days);
                        RanksOfPairs(s, k, pairIndex, ys, ry, sequence, biometricSide: false, days);
                        var rho = CorrelationStatistics.Pearson(rx.AsSpan(0, n), ry.AsSpan(0, n));
                        var tp = CorrelationStatistics.SpearmanPValue(rho, n);
                        var p = tp;
                        var how = PValueMethod.StudentT;
                        if (n < CorrelationStatistics.PermutationBelowN)
                            p = CorrelationStatistics.PermutationPValueOfRanks(rx.AsSpan(0, n), ry.AsSpan(0, n), out how, request.MonteCarloStopAfterExceedances);
                        var (lo, hi) = CorrelationStatistics.FisherInterval(rho, n, CorrelationStatistics.SpearmanFisherVarianceFactor);
                        tests.Add(new(biometrics[bi], symptoms[si], k, CorrelationMethod.Spearman, rho, p, how, tp,
                            double.NaN, lo, hi, n, ConfidenceScore(n, lo, hi, possibleDays)));
                    }
                }
            }
        }

        var pValues = new double[tests.Count];
        for (var i = 0; i < pValues.Length; i++) pValues[i] = tests[i].PValue;
        var q = CorrelationStatistics.BenjaminiHochberg(pValues);

        var reported = new List<LagCorrelation>();
        for (var i = 0; i < tests.Count; i++)
        {
            var t = tests[i];
            if (Math.Abs(t.Coefficient) >= request.MinAbs && q[i] <= request.MaxQ)
                reported.Add(t with { QValue = q[i] });
        }
        reported.Sort(Strongest(biometrics, symptoms));

        return new LagCorrelationReport(windowEnd.AddDays(-(days - 1)), windowEnd, tests.Count, reported, excluded);
    }

    /// <summary>
    /// How much to trust one row, 0..1: precision × coverage × support, where
    /// precision = 1 − (ciHigh − ciLow)/2 (the 95 % interval's width on the r scale, 0..2; it shrinks with n and with |r|),
    /// coverage = ½ + ½·n/possibleDays (data completeness: days with both values over the days the window offers at this
    /// lag; missing days may be missing for a reason, so sparse data halves the score at worst), and
    /// support = min(1, √(n/30)) (below 30 days the normal approximations behind p and the interval are shaky).
    /// </summary>
    public static double ConfidenceScore(int n, double ciLow, double ciHigh, int possibleDays)
    {
        if (n <= 0 || possibleDays <= 0) return 0;
        var precision = Math.Clamp(1 - (ciHigh - ciLow) / 2, 0, 1);
        var coverage = 0.5 + 0.5 * Math.Min(1.0, (double)n / possibleDays);
        var support = Math.Min(1.0, Math.Sqrt((double)n / ConfidenceFullSupportDays));
        return precision * coverage * support;
    }

    /// <summary>One type's daily means, and its observed days ordered by value (for ranking without sorting per test).</summary>
    private sealed class TypeSeries
    {
        public readonly double[] Values;
        public readonly bool[] Observed;
        public readonly int[] DaysByValue;

        public TypeSeries(DailySeries series)
        {
            Values = series.Values;
            Observed = series.Observed;
            var count = 0;
            for (var d = 0; d < Observed.Length; d++) if (Observed[d]) count++;
            DaysByValue = new int[count];
            var keys = new double[count];
            for (int d = 0, j = 0; d < Observed.Length; d++)
            {
                if (!Observed[d]) continue;
                DaysByValue[j] = d;
                keys[j++] = Values[d];
            }
            Array.Sort(keys, DaysByValue);
        }
    }

    /// <summary>
    /// Fills xs/ys with the pairwise-complete days (biometric day t − k, symptom day t) in day order and
    /// pairIndex[t] with each symptom day's position among them (−1 where the day is not a pair). Returns n.
    /// </summary>
    private static int Gather(TypeSeries b, TypeSeries s, int k, int[] pairIndex, double[] xs, double[] ys)
    {
        var days = pairIndex.Length;
        var n = 0;
        for (var t = 0; t < k; t++) pairIndex[t] = -1;
        for (var t = k; t < days; t++)
        {
            if (s.Observed[t] && b.Observed[t - k])
            {
                pairIndex[t] = n;
                xs[n] = b.Values[t - k];
                ys[n] = s.Values[t];
                n++;
            }
            else pairIndex[t] = -1;
        }
        return n;
    }

    private static string? Exclusion(int n, int minOverlap, double[] xs, double[] ys, out ExclusionReason kind)
    {
        kind = default;
        if (n == 0)
        {
            kind = ExclusionReason.NoOverlap;
            return "no day has both values";
        }
        if (n < minOverlap)
        {
            kind = ExclusionReason.TooFewDays;
            return string.Create(CultureInfo.InvariantCulture, $"only {n} days with both values; at least {minOverlap} are needed");
        }
        // Compared with the first value, not the mean: the mean of identical values need not equal them exactly.
        if (IsConstant(xs.AsSpan(0, n)))
        {
            kind = ExclusionReason.ConstantBiometric;
            return "the biometric is constant over the overlapping days";
        }
        if (IsConstant(ys.AsSpan(0, n)))
        {
            kind = ExclusionReason.ConstantSymptom;
            return "the symptom is constant over the overlapping days";
        }
        return null;
    }

    private static bool IsConstant(ReadOnlySpan<double> values)
    {
        for (var i = 1; i < values.Length; i++) if (values[i] != values[0]) return false;
        return true;
    }

    /// <summary>
    /// Average ranks (1-based) of one side of the pairs, in pair order: walks the type's days in value order, keeps those
    /// that are pairs at lag k, and gives each run of equal values the mean of the ranks it spans.
    /// </summary>
    private static void RanksOfPairs(TypeSeries series, int k, int[] pairIndex, double[] values, double[] ranks, int[] sequence,
        bool biometricSide, int days)
    {
        var m = 0;
        var order = series.DaysByValue;
        for (var i = 0; i < order.Length; i++)
        {
            var t = biometricSide ? order[i] + k : order[i]; // the symptom day the observation pairs with
            if (t >= days) continue;
            var j = pairIndex[t];
            if (j >= 0) sequence[m++] = j;
        }
        for (var i = 0; i < m;)
        {
            var v = values[sequence[i]];
            var last = i;
            while (last + 1 < m && values[sequence[last + 1]] == v) last++;
            var average = (i + last) / 2.0 + 1.0;
            for (var r = i; r <= last; r++) ranks[sequence[r]] = average;
            i = last + 1;
        }
    }

    /// <summary>|coefficient| descending; ties broken by p, then type order, lag and method, so the order is total.</summary>
    private static Comparison<LagCorrelation> Strongest(IReadOnlyList<ObservationType> biometrics, IReadOnlyList<ObservationType> symptoms) =>
        (x, y) =>
        {
            var c = Math.Abs(y.Coefficient).CompareTo(Math.Abs(x.Coefficient));
            if (c != 0) return c;
            c = x.PValue.CompareTo(y.PValue);
            if (c != 0) return c;
            c = IndexOf(biometrics, x.BiometricType).CompareTo(IndexOf(biometrics, y.BiometricType));
            if (c != 0) return c;
            c = IndexOf(symptoms, x.SymptomType).CompareTo(IndexOf(symptoms, y.SymptomType));
            if (c != 0) return c;
            c = x.LagDays.CompareTo(y.LagDays);
            return c != 0 ? c : x.Method.CompareTo(y.Method);
        };

    private static int IndexOf(IReadOnlyList<ObservationType> types, ObservationType type)
    {
        for (var i = 0; i < types.Count; i++) if (ReferenceEquals(types[i], type) || types[i] == type) return i;
        return -1;
    }

    private static IReadOnlyList<ObservationType> TypesOf(ObservationCategory category)
    {
        var list = new List<ObservationType>();
        foreach (var t in ObservationType.All) if (t.Category == category) list.Add(t);
        return list;
    }

    /// <summary>The last UTC day with an observation of any type.</summary>
    private static DateOnly? LastObservedDay(IReadOnlyCollection<Observation> observations)
    {
        DateTimeOffset? last = null;
        foreach (var o in observations)
            if (last is null || o.Time > last) last = o.Time;
        return last is { } t ? DateOnly.FromDateTime(t.UtcDateTime) : null;
    }
}
