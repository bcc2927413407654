using System.Globalization;

namespace NovaMind.Ml.XGBoost;

/// <summary>Reads metric values out of XGBoost's evaluation string, e.g. <c>"[3]\ttrain-rmse:0.51\tvalid-rmse:0.62"</c>.</summary>
internal static class EvaluationParser
{
    // Metrics where larger is better. Mirrors the list XGBoost's own Python early-stopping callback
    // uses, so both pick the same best iteration on the same data.
    private static readonly string[] MaximizedPrefixes = ["auc", "aucpr", "map", "ndcg"];

    /// <summary>
    /// Returns the last metric reported for <paramref name="dataName"/> (XGBoost lists metrics in
    /// the order they were configured; the last one drives early stopping by convention).
    /// </summary>
    internal static (string Metric, double Value) LastMetric(string evaluation, string dataName)
    {
        var prefix = dataName + "-";
        (string Metric, double Value)? last = null;
        foreach (var token in evaluation.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = token.LastIndexOf(':');
            if (!token.StartsWith(prefix, StringComparison.Ordinal) || colon <= prefix.Length)
            {
                continue;
            }

            last = (token[prefix.Length..colon], ParseValue(token[(colon + 1)..]));
        }

        return last ?? throw new FormatException($"No metric for '{dataName}' in evaluation result '{evaluation}'.");
    }

    /// <summary>Whether a larger value of <paramref name="metric"/> is better.</summary>
    internal static bool IsMaximized(string metric) =>
        metric != "mape" && MaximizedPrefixes.Any(p => metric.StartsWith(p, StringComparison.Ordinal));

    private static double ParseValue(string text) => text switch
    {
        // C++ streams spell non-finite values "nan"/"inf"; map them explicitly instead of relying on .NET's spellings.
        "nan" or "-nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
