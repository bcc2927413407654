using NovaMind.Contracts;
using NovaMind.Domain.Observations;

namespace NovaMind.Grains.Twins;

/// <summary>
/// The persisted twin: small and bounded whatever the number of raw readings (ADR 0019). Raw observations live in the
/// encrypted history store, one chunk per type and UTC day; the state keeps per-type totals and daily aggregates.
/// </summary>
[GenerateSerializer]
public sealed class PatientTwinState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public DateTimeOffset RegisteredAt { get; set; }
    /// <summary>Only in twins written before the history store (ADR 0003 layout): moved into chunks on activation, then empty.</summary>
    [Id(2)] public List<StoredObservation> Observations { get; set; } = [];

    /// <summary>Gene → diplotype or carrier status, as validated against the knowledge base; null: not genotyped.</summary>
    [Id(3)] public Dictionary<string, string>? Genotype { get; set; }

    [Id(4)] public MedicationPlanDto Medications { get; set; } = new([], []);

    /// <summary>The knowledge-base version <see cref="Genotype"/> was last validated against (null: written before versions were recorded).</summary>
    [Id(5)] public string? GenotypeKnowledgeBaseVersion { get; set; }

    /// <summary>Gene → CPIC phenotype term at that validation, to report changes when a newer knowledge base is loaded.</summary>
    [Id(6)] public Dictionary<string, string>? GenotypePhenotypes { get; set; }

    /// <summary>Phenotype changes found by re-validation since the genotype was last entered (cleared when it is replaced).</summary>
    [Id(7)] public List<string> GenotypePhenotypeChanges { get; set; } = [];

    /// <summary>
    /// The patient this state belongs to, inside the encrypted record: a row copied or swapped onto another patient's key
    /// is detected on load (Guid.Empty: written before the id was recorded; filled in on the next activation).
    /// </summary>
    [Id(8)] public Guid PatientId { get; set; }

    /// <summary>Per observation type code: totals and the daily aggregates of the recent window.</summary>
    [Id(9)] public Dictionary<byte, StoredTypeHistory> History { get; set; } = [];

    /// <summary>The sequence number of the last ingest whose chunks are reflected here; chunks with a later one are repaired on activation.</summary>
    [Id(10)] public long IngestSequence { get; set; }

    /// <summary>Forecasts served and not yet fully observed (online validation, issue 16): scored as their days arrive.</summary>
    [Id(11)] public List<StoredServedForecast> ServedForecasts { get; set; } = [];

    /// <summary>Forecast points scored in the last 28 days, per symptom and day of scoring: this patient's own recent forecast accuracy.</summary>
    [Id(12)] public List<StoredDailyAccuracy> RecentAccuracy { get; set; } = [];

    /// <summary>Treatment-response estimates served and not yet followed by a finished treatment (PGx online validation, issue 16).</summary>
    [Id(13)] public List<StoredServedPgxEstimate> ServedPgxEstimates { get; set; } = [];
}

/// <summary>One type's <see cref="TypeHistory"/> as stored: totals and the daily aggregates as columns (compact).</summary>
[GenerateSerializer]
public sealed class StoredTypeHistory
{
    [Id(0)] public long Count { get; set; }
    [Id(1)] public long FirstUnixMilliseconds { get; set; }
    [Id(2)] public long LastUnixMilliseconds { get; set; }
    [Id(3)] public double LatestValue { get; set; }
    [Id(4)] public int[] DayNumbers { get; set; } = [];
    [Id(5)] public int[] Counts { get; set; } = [];
    [Id(6)] public double[] Sums { get; set; } = [];
    [Id(7)] public double[] Mins { get; set; } = [];
    [Id(8)] public double[] Maxs { get; set; } = [];
    [Id(9)] public double[] Lasts { get; set; } = [];
    [Id(10)] public long[] DayLastUnixMilliseconds { get; set; } = [];

    public static StoredTypeHistory From(TypeHistory h)
    {
        var days = h.Days.ToArray();
        return new StoredTypeHistory
        {
            Count = h.Count, FirstUnixMilliseconds = h.FirstUnixMilliseconds, LastUnixMilliseconds = h.LastUnixMilliseconds, LatestValue = h.LatestValue,
            DayNumbers = [.. days.Select(d => d.Day.DayNumber)], Counts = [.. days.Select(d => d.Count)], Sums = [.. days.Select(d => d.Sum)],
            Mins = [.. days.Select(d => d.Min)], Maxs = [.. days.Select(d => d.Max)], Lasts = [.. days.Select(d => d.Last)],
            DayLastUnixMilliseconds = [.. days.Select(d => d.LastUnixMilliseconds)],
        };
    }

    public TypeHistory ToDomain(ObservationType type) => new(type, Count, FirstUnixMilliseconds, LastUnixMilliseconds, LatestValue,
        DayNumbers.Select((d, i) => new DailyAggregate(DateOnly.FromDayNumber(d), Counts[i], Sums[i], Mins[i], Maxs[i], Lasts[i], DayLastUnixMilliseconds[i])));
}

[GenerateSerializer, Immutable]
public readonly record struct StoredObservation(
    [property: Id(0)] long UnixMilliseconds,
    [property: Id(1)] byte TypeCode,
    [property: Id(2)] double Value);
