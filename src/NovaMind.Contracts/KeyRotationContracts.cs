namespace NovaMind.Contracts;

/// <summary>A grain whose stored state is sealed with the data key ring (twins, care teams, "my patients" lists).</summary>
public interface ISealedStateGrain : IGrain
{
    /// <summary>Writes the state again, so it is sealed with this silo's active key; false when the grain has no stored state.</summary>
    Task<bool> Reseal();
}

/// <summary>Progress of re-sealing every stored record with the active key (counts only; no patient is named).</summary>
[GenerateSerializer, Immutable]
public sealed record ResealReport(
    [property: Id(0)] string State,
    [property: Id(1)] string ActiveKeyId,
    [property: Id(2)] DateTimeOffset? StartedAt,
    [property: Id(3)] DateTimeOffset? FinishedAt,
    [property: Id(4)] int Scanned,
    [property: Id(5)] int Resealed,
    [property: Id(6)] int Failed,
    /// <summary>Stored records per sealing key when the run started, and as found by the check after it.</summary>
    [property: Id(7)] IReadOnlyDictionary<string, int> RecordsByKeyBefore,
    [property: Id(8)] IReadOnlyDictionary<string, int> RecordsByKeyAfter,
    [property: Id(9)] string? Problem = null)
{
    public const string Idle = "idle", Running = "running", Finished = "finished", Incomplete = "incomplete";
}

/// <summary>
/// The background re-sealing job (one per cluster, key 0): scans the sealed tables, asks each grain whose record is sealed
/// with another key to write itself again, then counts records per key. Idempotent: a second run finds nothing to do.
/// </summary>
public interface IKeyResealGrain : IGrainWithIntegerKey
{
    /// <summary>Starts a run unless one is running; answers at once with the progress.</summary>
    Task<ResealReport> Start();

    [Orleans.Concurrency.ReadOnly]
    Task<ResealReport> Report();
}
