using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Forecasting;

/// <summary>
/// How much history a symptom forecast needs. Forecasts start from the last day the symptom was observed (the
/// origin); the models read weeks of history before it, so the weeks just before the origin must be mostly observed.
/// </summary>
public static class ForecastHistory
{
    /// <summary>The window before (and including) the origin that must be mostly observed.</summary>
    public const int WindowDays = 28;

    /// <summary>Fewer observed days than this in the window and a forecast is not meaningful.</summary>
    public const int MinimumObservedDays = 14;

    /// <summary>Symptoms the forecaster serves.</summary>
    public static IReadOnlyList<ObservationType> Symptoms { get; } = [ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7];

    /// <summary>The origin (last day <paramref name="symptom"/> was observed, UTC) and the observed days in the window ending on it.</summary>
    public static (DateOnly? Origin, int ObservedDays) Assess(IEnumerable<Observation> observations, ObservationType symptom)
    {
        var list = observations as IReadOnlyCollection<Observation> ?? observations.ToList();
        if (DailySeries.LastObservedDay(list, symptom) is not { } origin) return (null, 0);
        return (origin, DailySeries.Build(list, symptom, origin, WindowDays).ObservedDays);
    }

    public static bool IsSufficient(int observedDays) => observedDays >= MinimumObservedDays;

    /// <summary>What a caller is told when it asks for a symptom that is not forecast.</summary>
    public static string UnknownSymptom(string symptom) =>
        $"symptom must be one of {string.Join(", ", Symptoms.Select(s => s.Name))}; got '{(symptom.Length > 40 ? symptom[..40] : symptom)}'";

    /// <summary>What a caller is told when the history is too short.</summary>
    public static string Requirement(ObservationType symptom, int observedDays) =>
        $"a {symptom.Name} forecast needs at least {MinimumObservedDays} observed days of {symptom.Name} within the last {WindowDays} days " +
        $"up to the latest {symptom.Name} reading; this patient has {observedDays}";
}
