using System.Globalization;

namespace NovaMind.Domain.Observations;

/// <summary>An observation as it arrives from outside, before validation.</summary>
public sealed record RawObservation(string? Time, string? Type, double? Value);

/// <summary>What is wrong with one observation of a batch.</summary>
public sealed record ObservationError(int Index, string Field, string Message);

public sealed record ObservationBatchValidation(IReadOnlyList<Observation> Accepted, IReadOnlyList<ObservationError> Errors, string? BatchError)
{
    public bool IsValid => BatchError is null && Errors.Count == 0;
}

/// <summary>
/// Validates a whole batch: it is accepted only if every observation is valid (all or nothing).
/// </summary>
public sealed class ObservationBatchValidator(TimeProvider clock)
{
    public const int MaxBatchSize = 10_000;

    /// <summary>Device clocks drift; a reading a few minutes "ahead" is not a future reading.</summary>
    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>No wearable or questionnaire reading predates this: earlier times are typing or clock errors.</summary>
    public static readonly DateTimeOffset EarliestTime = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Reports at most this many per-item errors so a huge bad batch does not produce a huge answer.</summary>
    public const int MaxReportedErrors = 50;

    public ObservationBatchValidation Validate(IReadOnlyList<RawObservation?>? batch)
    {
        if (batch is null || batch.Count == 0)
            return new([], [], "observations must be a non-empty array");
        if (batch.Count > MaxBatchSize)
            return new([], [], $"a request may carry at most {MaxBatchSize} observations; this one has {batch.Count}");

        var latestAllowed = clock.GetUtcNow() + AllowedClockSkew;
        var accepted = new List<Observation>(batch.Count);
        var errors = new List<ObservationError>();
        for (var i = 0; i < batch.Count; i++)
        {
            var error = ValidateOne(i, batch[i], latestAllowed, out var observation);
            if (error is not null)
            {
                if (errors.Count < MaxReportedErrors) errors.Add(error);
                continue;
            }
            accepted.Add(observation);
        }
        return errors.Count > 0 ? new([], errors, null) : new(accepted, [], null);
    }

    /// <summary>Re-checks already typed observations (defence in depth at the twin); the first problem, or null.</summary>
    public string? Check(IReadOnlyList<Observation> batch)
    {
        if (batch.Count == 0) return "observations must be a non-empty array";
        if (batch.Count > MaxBatchSize) return $"a request may carry at most {MaxBatchSize} observations; this one has {batch.Count}";
        var latestAllowed = clock.GetUtcNow() + AllowedClockSkew;
        for (var i = 0; i < batch.Count; i++)
        {
            var o = batch[i];
            if (!o.Type.Contains(o.Value)) return $"observation {i}: {o.Type.Name} value is outside {o.Type.Min}..{o.Type.Max}";
            if (o.Time > latestAllowed) return $"observation {i}: time is in the future";
            if (o.Time < EarliestTime) return $"observation {i}: time is before {EarliestTime:yyyy-MM-dd}";
        }
        return null;
    }

    private static ObservationError? ValidateOne(int i, RawObservation? raw, DateTimeOffset latestAllowed, out Observation observation)
    {
        observation = default;
        if (raw is null) return new(i, "observation", "observation must be an object");
        if (string.IsNullOrWhiteSpace(raw.Type)) return new(i, "type", "type is required");
        if (!ObservationType.TryParse(raw.Type, out var type))
            return new(i, "type", $"unknown observation type '{Truncate(raw.Type)}'; expected one of {string.Join(", ", ObservationType.All.Select(t => t.Name))}");
        if (string.IsNullOrWhiteSpace(raw.Time)) return new(i, "time", "time is required");
        if (!TryParseTime(raw.Time, out var time))
            return new(i, "time", $"time '{Truncate(raw.Time)}' is not an ISO 8601 date-time with a UTC offset (e.g. 2026-01-01T08:00:00Z)");
        if (time > latestAllowed) return new(i, "time", $"time {time:O} is in the future");
        if (time < EarliestTime) return new(i, "time", $"time {time:O} is before {EarliestTime:yyyy-MM-dd}, the earliest time accepted");
        if (raw.Value is not { } value) return new(i, "value", "value is required");
        if (!type.Contains(value))
            return new(i, "value", $"{type.Name} value {value.ToString(CultureInfo.InvariantCulture)} is outside {type.Min.ToString(CultureInfo.InvariantCulture)}..{type.Max.ToString(CultureInfo.InvariantCulture)}");
        observation = new Observation(time.ToUniversalTime(), type, value);
        return null;
    }

    /// <summary>Accepts ISO 8601 only, and only with an explicit offset: a local time without one is ambiguous.</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        var t = text.Trim();
        var hasOffset = t.EndsWith('Z') || t.EndsWith('z') ||
                        (t.Length > 6 && (t[^6] == '+' || t[^6] == '-') && t[^3] == ':');
        // yyyy-MM-ddT…: checking only for some 'T' let RFC 1123 text through ("Tue, 10 Mar 2026 08:00:00Z").
        var isoDateThenT = t.Length > 10 && t[4] == '-' && t[7] == '-' && t[10] == 'T';
        if (!hasOffset || !isoDateThenT) return false;
        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out time);
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
