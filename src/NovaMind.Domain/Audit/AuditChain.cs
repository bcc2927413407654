using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NovaMind.Domain.Audit;

/// <summary>
/// One access to patient data (or a denial, a break-glass, a care-team change). No clinical values: who, what, which
/// patient (pseudonym), when, the outcome, the trace and the source address.
/// </summary>
public sealed record AuditEntry(
    DateTimeOffset Time,
    string Subject,
    IReadOnlyList<string> Roles,
    string Action,
    string? Patient,
    string Resource,
    string Outcome,
    bool BreakGlass,
    string? TraceId,
    string? Source);

/// <summary>A record as stored: its position, the canonical text that was hashed, and the chain links.</summary>
public sealed record AuditRecord(long Sequence, string Payload, string PreviousHash, string Hash)
{
    public AuditEntry Entry => AuditChain.Parse(Payload);
}

/// <summary>A signed statement "the chain had this hash at this sequence", made with a key separate from the data keys.</summary>
public sealed record AuditCheckpoint(long Sequence, string Hash, string Mac);

/// <summary>What verification found: the first broken link (position and why), or none.</summary>
public sealed record AuditVerification(bool Intact, long RecordsChecked, int CheckpointsChecked, long? BrokenAt, string? Problem)
{
    public static AuditVerification Ok(long records, int checkpoints) => new(true, records, checkpoints, null, null);
    public static AuditVerification Broken(long records, int checkpoints, long at, string problem) => new(false, records, checkpoints, at, problem);
}

/// <summary>
/// The audit hash chain: each record carries the SHA-256 of its canonical text together with the previous record's hash,
/// so altering, deleting or reordering a record breaks the chain at that point; HMAC-SHA256 checkpoints (and the signed
/// head) catch a chain rewritten from some point on, or cut short, by someone without the checkpoint key.
/// </summary>
public static class AuditChain
{
    public static readonly string Genesis = new('0', 64);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    /// <summary>The canonical text of an entry (fixed property order, UTC time with a fixed format).</summary>
    public static string Canonical(AuditEntry entry) => JsonSerializer.Serialize(entry with { Time = entry.Time.ToUniversalTime() }, Json);

    public static AuditEntry Parse(string payload) =>
        JsonSerializer.Deserialize<AuditEntry>(payload, Json) ?? throw new InvalidDataException("empty audit payload");

    public static string HashOf(long sequence, string payload, string previousHash)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{sequence}\n{previousHash}\n{payload}"));
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Links <paramref name="entries"/> after a chain whose last record is (<paramref name="lastSequence"/>, <paramref name="lastHash"/>).</summary>
    public static IReadOnlyList<AuditRecord> Link(long lastSequence, string lastHash, IEnumerable<AuditEntry> entries)
    {
        var records = new List<AuditRecord>();
        var (sequence, previous) = (lastSequence, lastHash);
        foreach (var entry in entries)
        {
            sequence++;
            var payload = Canonical(entry);
            var hash = HashOf(sequence, payload, previous);
            records.Add(new AuditRecord(sequence, payload, previous, hash));
            previous = hash;
        }
        return records;
    }

    public static string Mac(byte[] key, long sequence, string hash) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{sequence}\n{hash}")));

    public static AuditCheckpoint Checkpoint(byte[] key, long sequence, string hash) => new(sequence, hash, Mac(key, sequence, hash));

    /// <summary>
    /// Walks <paramref name="records"/> in storage order from the start of the chain and reports the first broken link:
    /// a record whose position or sequence is out of line (deleted or reordered), whose previous-hash link does not match,
    /// or whose content no longer hashes to its stored hash (altered); then each checkpoint and the head (signed with
    /// <paramref name="key"/>) must match the chain.
    /// </summary>
    public static AuditVerification Verify(IReadOnlyList<AuditRecord> records, IReadOnlyList<AuditCheckpoint> checkpoints, AuditCheckpoint? head, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(records);
        var previous = Genesis;
        var hashes = new Dictionary<long, string>();
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            var expectedSequence = i + 1L;
            if (r.Sequence != expectedSequence)
            {
                var movedLater = records.Skip(i + 1).Any(x => x.Sequence == expectedSequence);
                return AuditVerification.Broken(i, 0, expectedSequence,
                    movedLater || r.Sequence < expectedSequence
                        ? $"records are out of order at position {expectedSequence}: record {r.Sequence} stands there"
                        : $"record {expectedSequence} is missing (record {r.Sequence} follows record {expectedSequence - 1})");
            }
            if (r.PreviousHash != previous)
                return AuditVerification.Broken(i, 0, r.Sequence, $"record {r.Sequence} does not link to record {r.Sequence - 1} (a record before it was removed, replaced or reordered)");
            if (HashOf(r.Sequence, r.Payload, r.PreviousHash) != r.Hash)
                return AuditVerification.Broken(i, 0, r.Sequence, $"record {r.Sequence} was altered: its content does not match its hash");
            try { Parse(r.Payload); }
            catch (JsonException) { return AuditVerification.Broken(i, 0, r.Sequence, $"record {r.Sequence} is not a readable audit entry"); }
            hashes[r.Sequence] = r.Hash;
            previous = r.Hash;
        }
        var checkedCheckpoints = 0;
        foreach (var c in checkpoints.OrderBy(c => c.Sequence))
        {
            if (Mac(key, c.Sequence, c.Hash) != c.Mac)
                return AuditVerification.Broken(records.Count, checkedCheckpoints, c.Sequence, $"the checkpoint at record {c.Sequence} is not signed with the audit key");
            if (!hashes.TryGetValue(c.Sequence, out var hash))
                return AuditVerification.Broken(records.Count, checkedCheckpoints, c.Sequence, $"the chain ends before the signed checkpoint at record {c.Sequence} (records were cut off)");
            if (hash != c.Hash)
                return AuditVerification.Broken(records.Count, checkedCheckpoints, c.Sequence, $"the chain was rewritten: record {c.Sequence} no longer matches its signed checkpoint");
            checkedCheckpoints++;
        }
        if (head is not null)
        {
            if (Mac(key, head.Sequence, head.Hash) != head.Mac)
                return AuditVerification.Broken(records.Count, checkedCheckpoints, head.Sequence, "the chain head is not signed with the audit key");
            if (head.Sequence != records.Count || (records.Count > 0 && head.Hash != records[^1].Hash))
                return AuditVerification.Broken(records.Count, checkedCheckpoints, Math.Min(head.Sequence, records.Count + 1),
                    $"the signed head says the chain has {head.Sequence} records; {records.Count} were found (records were cut off or added)");
        }
        return AuditVerification.Ok(records.Count, checkedCheckpoints);
    }
}
