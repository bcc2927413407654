namespace NovaMind.Ml.Pharmacogenomics;

/// <summary>One bin of a reliability diagram: predictions in [Lower, Upper), their mean and the observed frequency.</summary>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanPredicted, double Observed);

/// <summary>Scores for probabilistic binary predictions.</summary>
public static class ProbabilityMetrics
{
    private const double Epsilon = 1e-7;

    public static double Brier(IReadOnlyList<double> p, IReadOnlyList<bool> y)
    {
        Check(p, y);
        var sum = 0.0;
        for (var i = 0; i < p.Count; i++) sum += (p[i] - (y[i] ? 1 : 0)) * (p[i] - (y[i] ? 1 : 0));
        return sum / p.Count;
    }

    public static double LogLoss(IReadOnlyList<double> p, IReadOnlyList<bool> y)
    {
        Check(p, y);
        var sum = 0.0;
        for (var i = 0; i < p.Count; i++)
        {
            var q = Math.Clamp(p[i], Epsilon, 1 - Epsilon);
            sum -= y[i] ? Math.Log(q) : Math.Log(1 - q);
        }
        return sum / p.Count;
    }

    /// <summary>Area under the ROC curve (Mann–Whitney, ties count half); NaN when only one class is present.</summary>
    public static double Auc(IReadOnlyList<double> score, IReadOnlyList<bool> y)
    {
        Check(score, y);
        var order = Enumerable.Range(0, score.Count).OrderBy(i => score[i]).ToArray();
        var ranks = new double[score.Count];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && score[order[j + 1]] == score[order[i]]) j++;
            var rank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++) ranks[order[k]] = rank;
            i = j + 1;
        }
        double positives = y.Count(v => v), negatives = y.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        var rankSum = 0.0;
        for (var i = 0; i < y.Count; i++) if (y[i]) rankSum += ranks[i];
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    /// <summary>Equal-width bins over 0..1 (the last bin includes 1).</summary>
    public static IReadOnlyList<ReliabilityBin> Reliability(IReadOnlyList<double> p, IReadOnlyList<bool> y, int bins = 10)
    {
        Check(p, y);
        var count = new int[bins];
        var predicted = new double[bins];
        var observed = new double[bins];
        for (var i = 0; i < p.Count; i++)
        {
            var b = Math.Min(bins - 1, (int)(p[i] * bins));
            count[b]++;
            predicted[b] += p[i];
            observed[b] += y[i] ? 1 : 0;
        }
        return Enumerable.Range(0, bins).Select(b => new ReliabilityBin(
            (double)b / bins, (double)(b + 1) / bins, count[b],
            count[b] == 0 ? double.NaN : predicted[b] / count[b],
            count[b] == 0 ? double.NaN : observed[b] / count[b])).ToList();
    }

    /// <summary>Expected calibration error: count-weighted |mean predicted − observed| over the bins.</summary>
    public static double ExpectedCalibrationError(IReadOnlyList<double> p, IReadOnlyList<bool> y, int bins = 10) =>
        Reliability(p, y, bins).Where(b => b.Count > 0).Sum(b => b.Count * Math.Abs(b.MeanPredicted - b.Observed)) / p.Count;

    /// <summary>
    /// Temperature scaling: the T in σ(logit / T) that minimises log-loss on held-out data, by golden-section search over
    /// log T in [−3, 3] (the loss is unimodal in log T).
    /// </summary>
    public static double FitTemperature(IReadOnlyList<double> logits, IReadOnlyList<bool> y)
    {
        double Loss(double logT)
        {
            var t = Math.Exp(logT);
            return LogLoss(logits.Select(z => Sigmoid(z / t)).ToList(), y);
        }
        double a = -3, b = 3;
        var phi = (Math.Sqrt(5) - 1) / 2;
        double c = b - phi * (b - a), d = a + phi * (b - a);
        double fc = Loss(c), fd = Loss(d);
        for (var i = 0; i < 60; i++)
        {
            if (fc < fd) { b = d; d = c; fd = fc; c = b - phi * (b - a); fc = Loss(c); }
            else { a = c; c = d; fc = fd; d = a + phi * (b - a); fd = Loss(d); }
        }
        return Math.Exp((a + b) / 2);
    }

    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>1 − H(p)/ln 2: 0 for a coin flip, 1 for a certain outcome.</summary>
    public static double Confidence(double p)
    {
        var q = Math.Clamp(p, 1e-12, 1 - 1e-12);
        var entropy = -(q * Math.Log(q) + (1 - q) * Math.Log(1 - q));
        return Math.Clamp(1 - entropy / Math.Log(2), 0, 1);
    }

    private static void Check(IReadOnlyList<double> p, IReadOnlyList<bool> y)
    {
        if (p.Count != y.Count) throw new ArgumentException($"{p.Count} predictions but {y.Count} labels");
        if (p.Count == 0) throw new ArgumentException("no predictions");
    }
}
