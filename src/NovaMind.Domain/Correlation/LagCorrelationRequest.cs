using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Correlation;

/// <summary>Which coefficient to compute. <see cref="Both"/> is a request option only: every result row is one or the other.</summary>
public enum CorrelationMethod { Pearson, Spearman, Both }

/// <summary>
/// What to correlate: each biometric on day t − lag against each symptom on day t, for lag = 0..<see cref="MaxLag"/>,
/// over the <see cref="LookbackDays"/> UTC days ending on <see cref="End"/> (default: the last day with any observation).
/// </summary>
public sealed record LagCorrelationRequest
{
    public const int DefaultLookbackDays = 90;
    public const int MinLookbackDays = 7;
    public const int MaxLookbackDays = 730;
    public const int DefaultMaxLag = 7;
    public const int MaxMaxLag = 30;
    public const int DefaultMinOverlap = 10;
    /// <summary>Fisher's interval needs n − 3 &gt; 0, and a correlation of fewer than four days says nothing anyway.</summary>
    public const int MinMinOverlap = 4;

    public int LookbackDays { get; init; } = DefaultLookbackDays;

    /// <summary>Last day (UTC) of the window, inclusive; null: the last day with an observation of any type.</summary>
    public DateOnly? End { get; init; }

    public int MaxLag { get; init; } = DefaultMaxLag;

    public CorrelationMethod Method { get; init; } = CorrelationMethod.Spearman;

    /// <summary>Report only |coefficient| ≥ this (0..1).</summary>
    public double MinAbs { get; init; }

    /// <summary>Report only q ≤ this (0..1); q-values are computed over every test first, then filtered.</summary>
    public double MaxQ { get; init; } = 1.0;

    /// <summary>Pairs with fewer days on which both values exist are excluded.</summary>
    public int MinOverlap { get; init; } = DefaultMinOverlap;

    /// <summary>
    /// Sequential stopping of the Monte-Carlo permutation p-values (n = 13..29): stop after this many draws at least as
    /// extreme (<see cref="CorrelationStatistics.SequentialStopExceedances"/>); 0 draws all
    /// <see cref="CorrelationStatistics.MonteCarloPermutations"/> every time (slower, for comparisons).
    /// </summary>
    public int MonteCarloStopAfterExceedances { get; init; } = CorrelationStatistics.SequentialStopExceedances;

    /// <summary>Biometric types to test; null: every <see cref="ObservationCategory.Biometric"/> type.</summary>
    public IReadOnlyList<ObservationType>? Biometrics { get; init; }

    /// <summary>Symptom types to test; null: every <see cref="ObservationCategory.Symptom"/> type.</summary>
    public IReadOnlyList<ObservationType>? Symptoms { get; init; }
}

/// <summary>What is wrong with a request: the parameter (as the request names it, camelCase) and why.</summary>
public sealed record RequestParameterError(string Parameter, string Message);

public static class LagCorrelationRequestValidator
{
    /// <summary>The first problem with the request, or null when it can be analysed.</summary>
    public static RequestParameterError? Validate(LagCorrelationRequest? request)
    {
        if (request is null) return new("request", "a request is required");
        if (request.LookbackDays is < LagCorrelationRequest.MinLookbackDays or > LagCorrelationRequest.MaxLookbackDays)
            return new("lookbackDays", $"lookbackDays must be between {LagCorrelationRequest.MinLookbackDays} and {LagCorrelationRequest.MaxLookbackDays}; got {request.LookbackDays}");
        if (request.MaxLag is < 0 or > LagCorrelationRequest.MaxMaxLag)
            return new("maxLag", $"maxLag must be between 0 and {LagCorrelationRequest.MaxMaxLag}; got {request.MaxLag}");
        if (request.MaxLag >= request.LookbackDays)
            return new("maxLag", $"maxLag must be less than lookbackDays ({request.LookbackDays}); got {request.MaxLag}");
        if (!Enum.IsDefined(request.Method))
            return new("method", "method must be pearson, spearman or both");
        if (!(request.MinAbs >= 0 && request.MinAbs <= 1))
            return new("minAbs", "minAbs must be a number between 0 and 1");
        if (!(request.MaxQ >= 0 && request.MaxQ <= 1))
            return new("maxQ", "maxQ must be a number between 0 and 1");
        if (request.MonteCarloStopAfterExceedances < 0)
            return new("monteCarloStopAfterExceedances", $"monteCarloStopAfterExceedances must be 0 (no early stop) or more; got {request.MonteCarloStopAfterExceedances}");
        if (request.MinOverlap < LagCorrelationRequest.MinMinOverlap || request.MinOverlap > request.LookbackDays)
            return new("minOverlap", $"minOverlap must be between {LagCorrelationRequest.MinMinOverlap} and lookbackDays ({request.LookbackDays}); got {request.MinOverlap}");
        if (request.End is { } end && end.DayNumber < request.LookbackDays - 1)
            return new("end", "end is too early for the lookback window");
        return CheckTypes(request.Biometrics, ObservationCategory.Biometric, "biometrics")
               ?? CheckTypes(request.Symptoms, ObservationCategory.Symptom, "symptoms");
    }

    private static RequestParameterError? CheckTypes(IReadOnlyList<ObservationType>? types, ObservationCategory category, string parameter)
    {
        if (types is null) return null;
        if (types.Count == 0) return new(parameter, $"{parameter} must name at least one type (or be omitted for all)");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in types)
        {
            if (t is null) return new(parameter, $"{parameter} must not contain null");
            if (t.Category != category) return new(parameter, $"{t.Name} is not a {category.ToString().ToLowerInvariant()} type");
            if (!seen.Add(t.Name)) return new(parameter, $"{t.Name} is listed twice");
        }
        return null;
    }
}
