using NovaMind.Contracts;

namespace NovaMind.Grains.Twins;

/// <summary>
/// The persisted twin. Observations are kept compact (epoch milliseconds, type code, value): the whole
/// record is one encrypted Azure Table entity, which caps a twin at roughly 40,000 observations
/// (see docs/decisions/0003-twin-state-storage.md).
/// </summary>
[GenerateSerializer]
public sealed class PatientTwinState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public DateTimeOffset RegisteredAt { get; set; }
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
}

[GenerateSerializer, Immutable]
public readonly record struct StoredObservation(
    [property: Id(0)] long UnixMilliseconds,
    [property: Id(1)] byte TypeCode,
    [property: Id(2)] double Value);
