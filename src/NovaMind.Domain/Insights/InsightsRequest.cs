using System.Globalization;
using NovaMind.Domain.Correlation;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Insights;

/// <summary>A problem with one parameter of an insights request, named as the API names it.</summary>
public sealed record InsightsParameterError(string Parameter, string Message);

/// <summary>
/// One integrated-insights request: which parts, which symptoms, how far ahead and how far back, which drugs.
/// <see cref="Parse"/> reads the query parameters and names the first one that is wrong.
/// </summary>
public sealed record InsightsRequest(int ForecastDays, int LookbackDays, IReadOnlyList<string> Include, IReadOnlyList<ObservationType> Symptoms, IReadOnlyList<string>? Candidates)
{
    public const string Forecast = "forecast";
    public const string Correlations = "correlations";
    public const string Medications = "medications";

    public static IReadOnlyList<string> Parts { get; } = [Forecast, Correlations, Medications];

    public const int DefaultForecastDays = 14;
    public const int MaxForecastDays = 28;
    public const int DefaultLookbackDays = 30;
    public const int MaxCandidates = 20;

    public static InsightsRequest Default { get; } = new(DefaultForecastDays, DefaultLookbackDays, Parts, ForecastHistory.Symptoms, null);

    public bool Includes(string part) => Include.Contains(part, StringComparer.Ordinal);

    /// <summary>Reads the query parameters (null: the default). Either a request or the first parameter error.</summary>
    public static (InsightsRequest? Request, InsightsParameterError? Error) Parse(
        string? forecastDays, string? lookbackDays, string? include, string? symptoms, string? candidates, DrugCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        if (!TryInt(forecastDays, "forecast_days", DefaultForecastDays, 1, MaxForecastDays, out var days, out var error)) return (null, error);
        if (!TryInt(lookbackDays, "lookback_days", DefaultLookbackDays, LagCorrelationRequest.MinLookbackDays, LagCorrelationRequest.MaxLookbackDays, out var lookback, out error))
            return (null, error);

        var parts = Parts;
        if (include is not null)
        {
            var names = List(include);
            var unknown = names.FirstOrDefault(n => !Parts.Contains(n, StringComparer.Ordinal));
            if (names.Count == 0 || unknown is not null)
                return (null, new("include", $"include must list one or more of {string.Join(", ", Parts)}; {(unknown is null ? "it was empty" : $"got '{Short(unknown)}'")}"));
            parts = [.. Parts.Where(names.Contains)];
        }

        var served = ForecastHistory.Symptoms;
        if (symptoms is not null)
        {
            var names = List(symptoms);
            var unknown = names.FirstOrDefault(n => !served.Any(s => s.Name == n));
            if (names.Count == 0 || unknown is not null)
                return (null, new("symptoms", $"symptoms must list one or more of {string.Join(", ", served.Select(s => s.Name))}; {(unknown is null ? "it was empty" : $"got '{Short(unknown)}'")}"));
            served = [.. served.Where(s => names.Contains(s.Name))];
        }

        IReadOnlyList<string>? drugs = null;
        if (candidates is not null)
        {
            var names = List(candidates.ToLowerInvariant());
            if (names.Count is 0 or > MaxCandidates)
                return (null, new("candidates", $"candidates must list 1 to {MaxCandidates} comma-separated drug names, e.g. candidates=sertraline,escitalopram; got {names.Count}"));
            var unknown = names.Where(n => !catalogue.IsKnown(n)).ToList();
            if (unknown.Count > 0)
                return (null, new("candidates", $"candidates must be known drugs; no pharmacogenomic guidance for {string.Join(", ", unknown.Select(u => $"'{Short(u)}'"))}; known drugs: {string.Join(", ", catalogue.KnownMedications)}"));
            drugs = names;
        }
        return (new InsightsRequest(days, lookback, parts, served, drugs), null);
    }

    private static List<string> List(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    private static bool TryInt(string? text, string name, int fallback, int min, int max, out int value, out InsightsParameterError? error)
    {
        value = fallback;
        error = null;
        if (text is null) return true;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max) return true;
        error = new(name, $"{name} must be an integer from {min} to {max}; got '{Short(text)}'");
        return false;
    }

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
