namespace NovaMind.Contracts;

/// <summary>One audit record as the gateway sends it: no clinical values; the patient only as its pseudonym.</summary>
[GenerateSerializer, Immutable]
public sealed record AuditEntryDto(
    [property: Id(0)] DateTimeOffset Time,
    [property: Id(1)] string Subject,
    [property: Id(2)] string[] Roles,
    [property: Id(3)] string Action,
    [property: Id(4)] string? Patient,
    [property: Id(5)] string Resource,
    [property: Id(6)] string Outcome,
    [property: Id(7)] bool BreakGlass,
    [property: Id(8)] string? TraceId,
    [property: Id(9)] string? Source);

public static class AuditLimits
{
    /// <summary>Entries per append: one Azure Table transaction holds 100 operations, two of which the chain needs (head and checkpoint).</summary>
    public const int MaxEntriesPerAppend = 98;
}

/// <summary>The tamper-evident audit chain writer (key 0). Completes only when the entries are durably stored.</summary>
public interface IAuditLogGrain : IGrainWithIntegerKey
{
    Task Append(AuditEntryDto[] entries);
}

/// <summary>The audit trail could not be written: the request must fail (503) rather than go unrecorded.</summary>
[GenerateSerializer]
public sealed class AuditUnavailableException : Exception
{
    public AuditUnavailableException(string message) : base(message) { }

    public AuditUnavailableException(string message, Exception? inner) : base(message, inner) { }
}
