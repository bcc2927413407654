using System.Globalization;
using Azure;
using Azure.Data.Tables;
using NovaMind.Contracts;
using NovaMind.Domain.Audit;

namespace NovaMind.Grains.Audit;

/// <summary>
/// The audit chain in Azure Table storage (Azurite locally): one partition per chain; rows "0000…N" are the records in
/// order, "cp-…" the signed checkpoints, "head" the signed last (sequence, hash). An append inserts its records, a
/// checkpoint when one is due and the new head in one entity-group transaction, guarded by the head's ETag, so two
/// writers (the silo's audit grain, the CLI recording a model promotion) can never fork the chain.
/// </summary>
public sealed class AuditStore(TableServiceClient service, byte[] checkpointKey, string chain = AuditStore.DefaultChain, int checkpointEvery = 100)
{
    public const string TableName = "NovaMindAudit";
    public const string DefaultChain = "chain-0";
    private const string HeadRow = "head";
    private const string CheckpointPrefix = "cp-";

    private readonly TableClient _table = service.GetTableClient(TableName);
    private bool _created;

    public sealed record Head(long Sequence, string Hash, ETag ETag);

    private async Task EnsureTableAsync(CancellationToken ct)
    {
        if (_created) return;
        await _table.CreateIfNotExistsAsync(ct);
        _created = true;
    }

    public async Task<Head> ReadHeadAsync(CancellationToken ct = default)
    {
        await EnsureTableAsync(ct);
        var head = await _table.GetEntityIfExistsAsync<TableEntity>(chain, HeadRow, cancellationToken: ct);
        return head.HasValue
            ? new Head(head.Value!.GetInt64("Sequence")!.Value, head.Value.GetString("Hash")!, head.Value.ETag)
            : new Head(0, AuditChain.Genesis, default);
    }

    /// <summary>Appends after <paramref name="head"/> and returns the new head; throws <see cref="RequestFailedException"/> (409/412) when another writer got there first.</summary>
    public async Task<Head> AppendAsync(Head head, IReadOnlyList<AuditEntry> entries, CancellationToken ct = default)
    {
        if (entries.Count == 0) return head;
        if (entries.Count > MaxBatch) throw new ArgumentException($"at most {MaxBatch} entries per append", nameof(entries));
        await EnsureTableAsync(ct);
        var records = AuditChain.Link(head.Sequence, head.Hash, entries);
        var actions = records.Select(r => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(chain, RowKey(r.Sequence))
        {
            ["Sequence"] = r.Sequence, ["Payload"] = r.Payload, ["PreviousHash"] = r.PreviousHash, ["Hash"] = r.Hash,
        })).ToList();
        var last = records[^1];
        if (records.Any(r => r.Sequence % checkpointEvery == 0))
        {
            var due = records.Last(r => r.Sequence % checkpointEvery == 0);
            var checkpoint = AuditChain.Checkpoint(checkpointKey, due.Sequence, due.Hash);
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(chain, CheckpointPrefix + RowKey(due.Sequence))
            {
                ["Sequence"] = checkpoint.Sequence, ["Hash"] = checkpoint.Hash, ["Mac"] = checkpoint.Mac,
            }));
        }
        var signed = AuditChain.Checkpoint(checkpointKey, last.Sequence, last.Hash);
        var headEntity = new TableEntity(chain, HeadRow) { ["Sequence"] = signed.Sequence, ["Hash"] = signed.Hash, ["Mac"] = signed.Mac };
        actions.Add(head.Sequence == 0 && head.ETag == default
            ? new TableTransactionAction(TableTransactionActionType.Add, headEntity)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, headEntity, head.ETag));
        var response = await _table.SubmitTransactionAsync(actions, ct);
        return new Head(last.Sequence, last.Hash, response.Value[^1].Headers.ETag ?? default);
    }

    /// <summary>Records per append, leaving room in the 100-operation transaction for a checkpoint and the head.</summary>
    public const int MaxBatch = AuditLimits.MaxEntriesPerAppend;

    /// <summary>The whole chain as stored (records in row order, checkpoints, signed head).</summary>
    public async Task<(List<AuditRecord> Records, List<AuditCheckpoint> Checkpoints, AuditCheckpoint? Head)> ReadAllAsync(CancellationToken ct = default)
    {
        await EnsureTableAsync(ct);
        var records = new List<AuditRecord>();
        var checkpoints = new List<AuditCheckpoint>();
        AuditCheckpoint? head = null;
        await foreach (var e in _table.QueryAsync<TableEntity>(x => x.PartitionKey == chain, cancellationToken: ct))
        {
            if (e.RowKey == HeadRow) head = new AuditCheckpoint(e.GetInt64("Sequence") ?? -1, e.GetString("Hash") ?? "", e.GetString("Mac") ?? "");
            else if (e.RowKey.StartsWith(CheckpointPrefix, StringComparison.Ordinal))
                checkpoints.Add(new AuditCheckpoint(e.GetInt64("Sequence") ?? -1, e.GetString("Hash") ?? "", e.GetString("Mac") ?? ""));
            else records.Add(new AuditRecord(e.GetInt64("Sequence") ?? -1, e.GetString("Payload") ?? "", e.GetString("PreviousHash") ?? "", e.GetString("Hash") ?? ""));
        }
        return (records, checkpoints, head);
    }

    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        var (records, checkpoints, head) = await ReadAllAsync(ct);
        return AuditChain.Verify(records, checkpoints, head, checkpointKey);
    }

    public static string RowKey(long sequence) => sequence.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The underlying table (tests tamper with it to prove verification finds it).</summary>
    public TableClient Table => _table;
}
