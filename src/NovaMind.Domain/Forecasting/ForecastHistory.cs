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

    /// <summary>Periodic questionnaires (PHQ-9, GAD-7) may be forecast from assessments when they are not taken daily.</summary>
    public static bool IsQuestionnaire(ObservationType symptom) => symptom == ObservationType.Phq9 || symptom == ObservationType.Gad7;

    /// <summary>Assessments the per-patient assessment model needs at least (each with mood in its recall window).</summary>
    public const int MinimumAssessments = 4;

    /// <summary>PHQ-9 and GAD-7 ask about the last two weeks: the days whose mood an assessment is compared with.</summary>
    public const int RecallDays = 14;

    /// <summary>An assessment counts when daily mood was recorded on at least this many days of its recall window.</summary>
    public const int MinimumMoodDaysPerRecall = 5;

    /// <summary>The latest assessment must be at most this many days before the latest mood reading.</summary>
    public const int LatestAssessmentWithinDays = 28;

    /// <summary>
    /// Whether, and how, <paramref name="symptom"/> can be forecast. Daily when the symptom itself has ≥ 14 observed days in
    /// the 28 up to its last reading. Otherwise PHQ-9 and GAD-7 can be forecast from periodic assessments: at least
    /// <see cref="MinimumAssessments"/> days with the score and daily mood on ≥ <see cref="MinimumMoodDaysPerRecall"/> of
    /// the <see cref="RecallDays"/> days up to each, the latest within <see cref="LatestAssessmentWithinDays"/> days of the
    /// latest mood reading, and mood itself forecastable (≥ 14 of its last 28 days); the origin is then mood's.
    /// </summary>
    public static ForecastReadiness Evaluate(IEnumerable<Observation> observations, ObservationType symptom)
    {
        var list = observations as IReadOnlyCollection<Observation> ?? observations.ToList();
        var (origin, observedDays) = Assess(list, symptom);
        if (origin is not null && IsSufficient(observedDays) || !IsQuestionnaire(symptom))
            return new ForecastReadiness(symptom, ForecastMode.Daily, origin is not null && IsSufficient(observedDays), origin, observedDays, 0, null, 0,
                IsSufficient(observedDays) ? null : Requirement(symptom, observedDays));

        var (moodOrigin, moodDays) = Assess(list, ObservationType.Mood);
        var usable = 0;
        DateOnly? latest = null;
        if (moodOrigin is { } end)
        {
            var mood = DailySeries.Build(list, ObservationType.Mood, end, Math.Max(1, end.DayNumber - FirstDay(list, symptom, end).DayNumber + 1));
            foreach (var day in AssessmentDays(list, symptom))
            {
                var last = day.DayNumber - mood.Start.DayNumber; // recall window: day − 13 .. day, within the mood grid
                var observedMood = 0;
                for (var i = Math.Max(0, last - RecallDays + 1); i <= Math.Min(last, mood.Days - 1); i++) if (i >= 0 && mood.Observed[i]) observedMood++;
                if (observedMood < MinimumMoodDaysPerRecall) continue;
                usable++;
                if (latest is null || day > latest) latest = day;
            }
        }
        var daysSince = moodOrigin is { } m && latest is { } l ? m.DayNumber - l.DayNumber : (int?)null;
        var sufficient = usable >= MinimumAssessments && daysSince is { } since && since <= LatestAssessmentWithinDays && IsSufficient(moodDays);
        return new ForecastReadiness(symptom, ForecastMode.Assessments, sufficient, sufficient ? moodOrigin : origin, observedDays, usable, daysSince, moodDays,
            sufficient ? null : AssessmentRequirement(symptom, observedDays, usable, daysSince, moodDays));
    }

    /// <summary>The UTC days with a reading of <paramref name="symptom"/> (one assessment per day), ascending.</summary>
    public static IReadOnlyList<DateOnly> AssessmentDays(IEnumerable<Observation> observations, ObservationType symptom) =>
        [.. observations.Where(o => o.Type == symptom).Select(o => DateOnly.FromDateTime(o.Time.UtcDateTime)).Distinct().Order()];

    private static DateOnly FirstDay(IEnumerable<Observation> observations, ObservationType symptom, DateOnly fallback)
    {
        var first = fallback;
        foreach (var o in observations)
            if (o.Type == symptom || o.Type == ObservationType.Mood)
            {
                var d = DateOnly.FromDateTime(o.Time.UtcDateTime);
                if (d < first) first = d;
            }
        return first.AddDays(-RecallDays);
    }

    /// <summary>What a caller is told when periodic assessments are too few or too old.</summary>
    public static string AssessmentRequirement(ObservationType symptom, int observedDays, int usable, int? daysSinceLatest, int moodDays) =>
        $"a {symptom.Name} forecast needs {symptom.Name} on at least {MinimumObservedDays} of the last {WindowDays} days, or, from periodic assessments, " +
        $"at least {MinimumAssessments} {symptom.Name} assessments with daily mood on at least {MinimumMoodDaysPerRecall} of the {RecallDays} days up to each, " +
        $"the latest within {LatestAssessmentWithinDays} days of the latest mood reading, and mood on at least {MinimumObservedDays} of the last {WindowDays} days; " +
        $"this patient has {symptom.Name} on {observedDays} of the last {WindowDays} days, {usable} such assessment{(usable == 1 ? "" : "s")}" +
        (daysSinceLatest is { } d ? $", the latest {d} days before the latest mood reading" : "") +
        $", and mood on {moodDays} of the last {WindowDays} days";

    /// <summary>What a caller is told when the history is too short.</summary>
    public static string Requirement(ObservationType symptom, int observedDays) =>
        $"a {symptom.Name} forecast needs at least {MinimumObservedDays} observed days of {symptom.Name} within the last {WindowDays} days " +
        $"up to the latest {symptom.Name} reading; this patient has {observedDays}";
}

/// <summary>How a symptom is forecast: from its own daily series, or (PHQ-9, GAD-7) from periodic assessments and daily mood.</summary>
public enum ForecastMode
{
    Daily,
    Assessments,
}

/// <summary>
/// Whether a forecast can be made, in which mode, from which origin, and the counts behind the decision (observed days
/// of the symptom, usable assessments, days since the latest, mood days); <see cref="Problem"/> says what is missing.
/// </summary>
public sealed record ForecastReadiness(ObservationType Symptom, ForecastMode Mode, bool Sufficient, DateOnly? Origin, int ObservedDays,
    int UsableAssessments, int? DaysSinceLatestAssessment, int MoodDays, string? Problem);
