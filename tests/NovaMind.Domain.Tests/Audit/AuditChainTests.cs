using NovaMind.Domain.Audit;

namespace NovaMind.Domain.Tests.Audit;

public class AuditChainTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private static AuditEntry Entry(int i) => new(new DateTimeOffset(2026, 11, 30, 12, 0, i, TimeSpan.Zero), $"dr-{i % 3}", ["clinician"],
        i % 2 == 0 ? "read_clinical" : "write_clinical", $"p-{i % 5:000}", $"GET /api/patients/{{id}}", "allowed", false, $"trace-{i}", "127.0.0.1");

    private static (List<AuditRecord> Records, List<AuditCheckpoint> Checkpoints, AuditCheckpoint Head) Chain(int n)
    {
        var records = AuditChain.Link(0, AuditChain.Genesis, Enumerable.Range(1, n).Select(Entry)).ToList();
        var checkpoints = records.Where(r => r.Sequence % 4 == 0).Select(r => AuditChain.Checkpoint(Key, r.Sequence, r.Hash)).ToList();
        return (records, checkpoints, AuditChain.Checkpoint(Key, records[^1].Sequence, records[^1].Hash));
    }

    [Fact]
    public void AnUntouchedChain_Verifies()
    {
        var (records, checkpoints, head) = Chain(10);
        var result = AuditChain.Verify(records, checkpoints, head, Key);
        Assert.True(result.Intact, result.Problem);
        Assert.Equal((10L, 2), (result.RecordsChecked, result.CheckpointsChecked));
        Assert.Equal(AuditChain.Canonical(Entry(3)), AuditChain.Canonical(records[2].Entry)); // the payload round-trips
        Assert.Equal(["clinician"], records[2].Entry.Roles);
    }

    [Fact]
    public void AppendingInTwoBatches_GivesTheSameChainAsOne()
    {
        var whole = AuditChain.Link(0, AuditChain.Genesis, Enumerable.Range(1, 6).Select(Entry));
        var first = AuditChain.Link(0, AuditChain.Genesis, Enumerable.Range(1, 4).Select(Entry));
        var second = AuditChain.Link(first[^1].Sequence, first[^1].Hash, Enumerable.Range(5, 2).Select(Entry));
        Assert.Equal(whole, [.. first, .. second]);
    }

    [Fact]
    public void OneFlippedByte_IsFoundAtItsRecord()
    {
        var (records, checkpoints, head) = Chain(10);
        var r = records[6];
        var chars = r.Payload.ToCharArray();
        var at = r.Payload.IndexOf("dr-", StringComparison.Ordinal) + 3;
        chars[at] = (char)(chars[at] ^ 1);
        records[6] = r with { Payload = new string(chars) };
        var result = AuditChain.Verify(records, checkpoints, head, Key);
        Assert.False(result.Intact);
        Assert.Equal(7, result.BrokenAt);
        Assert.Contains("record 7 was altered", result.Problem);
    }

    [Fact]
    public void ADeletedRecord_IsFoundWhereItWas()
    {
        var (records, checkpoints, head) = Chain(10);
        records.RemoveAt(4);
        var result = AuditChain.Verify(records, checkpoints, head, Key);
        Assert.Equal(5, result.BrokenAt);
        Assert.Contains("record 5 is missing", result.Problem);
    }

    [Fact]
    public void TwoSwappedRecords_AreFound()
    {
        var (records, checkpoints, head) = Chain(10);
        (records[2], records[3]) = (records[3], records[2]);
        var result = AuditChain.Verify(records, checkpoints, head, Key);
        Assert.Equal(3, result.BrokenAt);
        Assert.Contains("out of order at position 3", result.Problem);
    }

    [Fact]
    public void AChainRewrittenWithoutTheKey_FailsAtTheFirstCheckpoint()
    {
        var (records, checkpoints, head) = Chain(10);
        // Someone with storage access changes record 6 and recomputes every hash after it: the links hold, the signatures do not.
        var forged = AuditChain.Link(5, records[4].Hash, records.Skip(5).Select((r, i) => i == 0 ? r.Entry with { Outcome = "denied" } : r.Entry));
        var rewritten = records.Take(5).Concat(forged).ToList();
        var result = AuditChain.Verify(rewritten, checkpoints, head, Key);
        Assert.False(result.Intact);
        Assert.Equal(8, result.BrokenAt);
        Assert.Contains("no longer matches its signed checkpoint", result.Problem);
    }

    [Fact]
    public void ACutOffTail_IsFoundByTheSignedHead()
    {
        var (records, checkpoints, head) = Chain(10);
        var result = AuditChain.Verify(records.Take(9).ToList(), checkpoints, head, Key);
        Assert.False(result.Intact);
        Assert.Contains("signed head says the chain has 10 records; 9 were found", result.Problem);
        Assert.False(AuditChain.Verify(records, checkpoints, head, new byte[32]).Intact); // wrong key: checkpoints are not trusted
    }
}
