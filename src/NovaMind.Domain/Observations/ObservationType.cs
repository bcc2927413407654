namespace NovaMind.Domain.Observations;

public enum ObservationCategory { Symptom, Biometric }

/// <summary>A kind of measurement the twin accepts, with its plausible range (inclusive).</summary>
public sealed record ObservationType(string Name, ObservationCategory Category, double Min, double Max, string Unit)
{
    public static readonly ObservationType Phq9 = new("phq9", ObservationCategory.Symptom, 0, 27, "score");
    public static readonly ObservationType Gad7 = new("gad7", ObservationCategory.Symptom, 0, 21, "score");
    public static readonly ObservationType Mood = new("mood", ObservationCategory.Symptom, 0, 10, "score");
    public static readonly ObservationType SleepHours = new("sleep_hours", ObservationCategory.Biometric, 0, 24, "h");
    public static readonly ObservationType HrvMs = new("hrv_ms", ObservationCategory.Biometric, 0, 300, "ms");
    public static readonly ObservationType RestingHr = new("resting_hr", ObservationCategory.Biometric, 20, 250, "bpm");
    public static readonly ObservationType Steps = new("steps", ObservationCategory.Biometric, 0, 100_000, "steps");

    /// <summary>All types; a type's index in this list is its stable storage code, so only append.</summary>
    public static IReadOnlyList<ObservationType> All { get; } = [Phq9, Gad7, Mood, SleepHours, HrvMs, RestingHr, Steps];

    private static readonly Dictionary<string, ObservationType> ByName =
        All.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public int Code => IndexOf(this);

    public static bool TryParse(string? name, out ObservationType type)
    {
        if (name is not null && ByName.TryGetValue(name, out var found)) { type = found; return true; }
        type = null!;
        return false;
    }

    public static ObservationType FromCode(int code) =>
        code >= 0 && code < All.Count ? All[code] : throw new ArgumentOutOfRangeException(nameof(code), code, "unknown observation type code");

    public bool Contains(double value) => double.IsFinite(value) && value >= Min && value <= Max;

    private static int IndexOf(ObservationType t)
    {
        for (var i = 0; i < All.Count; i++) if (All[i] == t) return i;
        throw new InvalidOperationException($"{t.Name} is not a registered observation type");
    }

    public override string ToString() => Name;
}
