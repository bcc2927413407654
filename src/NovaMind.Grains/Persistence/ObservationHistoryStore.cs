using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using NovaMind.Domain.Observations;

namespace NovaMind.Grains.Persistence;

/// <summary>A day chunk as stored: its readings, the day's count in the twin's state when it was written, that write's sequence number, and its ETag.</summary>
public sealed record StoredChunk(DayChunk Chunk, int PreviousCount, long Sequence, ETag ETag = default);

/// <summary>
/// A day chunk changed in storage since the twin read or wrote it (another activation of the twin wrote it, or it was
/// created meanwhile): the write was refused and nothing of it is stored.
/// </summary>
public sealed class ChunkConflictException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Raw observations, one encrypted entity per patient, type and UTC day (table <c>NovaMindHistory</c>, partition = patient).
/// An ingest rewrites only the days it touches, in one table transaction per 100 entities. Each chunk is sealed with the
/// key ring and its associated data binds patient, type and day, so a chunk copied to another place does not open.
/// Plaintext: version (1) | previous count (4) | count (4) | millisecond offsets in the day (4 each) | values (8 each).
/// </summary>
public sealed class ObservationHistoryStore(TableServiceClient tables, TwinKeyRing keyRing)
{
    public const string TableName = "NovaMindHistory";
    private const byte FormatVersion = 1;
    private const int PropertyBytes = 64 * 1024; // an Azure Table binary property holds at most 64 KiB
    private const int MaxBatchBytes = 3 * 1024 * 1024; // a transaction carries at most 4 MiB
    private readonly TableClient _table = tables.GetTableClient(TableName);
    private volatile bool _created;

    public static string PartitionKey(Guid patient) => patient.ToString("N");

    public static string RowKey(ObservationType type, DateOnly day) => $"{type.Code:D2}_{day:yyyyMMdd}";

    private async Task<TableClient> TableAsync(CancellationToken ct)
    {
        if (!_created)
        {
            await _table.CreateIfNotExistsAsync(ct);
            _created = true;
        }
        return _table;
    }

    public async Task<StoredChunk?> ReadAsync(Guid patient, ObservationType type, DateOnly day, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(PartitionKey(patient), RowKey(type, day), cancellationToken: ct);
        return response.HasValue ? Decode(patient, response.Value!) : null;
    }

    /// <summary>Stores the chunks (all of one patient) as written by ingest number <paramref name="sequence"/>, unconditionally.</summary>
    public async Task WriteAsync(Guid patient, IReadOnlyList<(DayChunk Chunk, int PreviousCount)> chunks, long sequence, CancellationToken ct = default) =>
        await WriteAsync(patient, [.. chunks.Select(c => (c.Chunk, c.PreviousCount, (ETag?)null))], sequence, conditional: false, ct);

    /// <summary>
    /// Stores the chunks only if each is as the caller last saw it: <c>Expected</c> null = the day has no chunk yet (insert),
    /// otherwise its ETag must still match (optimistic concurrency: a second activation of the twin cannot silently
    /// overwrite a chunk). Returns the chunks' new ETags (null where storage did not report one). A mismatch throws
    /// <see cref="ChunkConflictException"/>; a group larger than one transaction is split, so on a conflict an earlier
    /// part may be stored (the twin then reloads and repairs from storage).
    /// </summary>
    public Task<IReadOnlyList<ETag?>> WriteIfUnchangedAsync(Guid patient, IReadOnlyList<(DayChunk Chunk, int PreviousCount, ETag? Expected)> chunks, long sequence, CancellationToken ct = default) =>
        WriteAsync(patient, chunks, sequence, conditional: true, ct);

    private async Task<IReadOnlyList<ETag?>> WriteAsync(Guid patient, IReadOnlyList<(DayChunk Chunk, int PreviousCount, ETag? Expected)> chunks, long sequence, bool conditional, CancellationToken ct)
    {
        var table = await TableAsync(ct);
        var written = new List<ETag?>(chunks.Count);
        var batch = new List<TableTransactionAction>();
        var bytes = 0;
        try
        {
            foreach (var (chunk, previous, expected) in chunks)
            {
                var entity = Encode(patient, chunk, previous, sequence, out var size);
                if (batch.Count == 100 || bytes + size > MaxBatchBytes)
                {
                    written.AddRange(await SubmitAsync(table, batch, ct));
                    batch.Clear();
                    bytes = 0;
                }
                batch.Add(!conditional ? new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity)
                    : expected is { } etag ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, etag)
                    : new TableTransactionAction(TableTransactionActionType.Add, entity));
                bytes += size;
            }
            if (batch.Count > 0) written.AddRange(await SubmitAsync(table, batch, ct));
        }
        catch (Exception ex) when (ex is RequestFailedException { Status: 409 or 412 } or TableTransactionFailedException { Status: 409 or 412 })
        {
            throw new ChunkConflictException("a day chunk changed in storage since this twin read it", ex);
        }
        return written;
    }

    /// <summary>One entity as a single request (cheaper than a batch), more as one transaction.</summary>
    private static async Task<IReadOnlyList<ETag?>> SubmitAsync(TableClient table, List<TableTransactionAction> batch, CancellationToken ct)
    {
        if (batch.Count > 1)
        {
            var responses = await table.SubmitTransactionAsync(batch, ct);
            return [.. responses.Value.Select(r => r.Headers.ETag)];
        }
        var action = batch[0];
        var response = action.ActionType switch
        {
            TableTransactionActionType.Add => await table.AddEntityAsync(action.Entity, ct),
            TableTransactionActionType.UpdateReplace => await table.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Replace, ct),
            _ => await table.UpsertEntityAsync(action.Entity, TableUpdateMode.Replace, ct),
        };
        return [response.Headers.ETag];
    }

    /// <summary>The chunks of <paramref name="type"/> (every type when null) from <paramref name="from"/> to <paramref name="to"/> (inclusive), by type then day.</summary>
    public async IAsyncEnumerable<StoredChunk> QueryAsync(Guid patient, ObservationType? type, DateOnly from, DateOnly to, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        foreach (var t in type is null ? ObservationType.All : [type])
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(patient)} and RowKey ge {RowKey(t, from)} and RowKey le {RowKey(t, to)}");
            // Small pages: a reader (an export page) often stops after a few days, and a day can be hundreds of KiB.
            await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: 8, cancellationToken: ct))
                yield return Decode(patient, entity);
        }
    }

    /// <summary>Chunks written by an ingest after <paramref name="sequence"/>: what a crash between the chunks and the twin's state left behind.</summary>
    public async IAsyncEnumerable<StoredChunk> WrittenAfterAsync(Guid patient, long sequence, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(patient)} and Seq gt {sequence}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            yield return Decode(patient, entity);
    }

    /// <summary>Deletes every chunk of the patient; returns how many there were.</summary>
    public Task<int> DeletePatientAsync(Guid patient, CancellationToken ct = default) =>
        DeleteWhereAsync(patient, TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(patient)}"), ct);

    /// <summary>Deletes the patient's chunks of days before <paramref name="cutoff"/> (raw-data retention); returns how many.</summary>
    public async Task<int> DeleteBeforeAsync(Guid patient, DateOnly cutoff, CancellationToken ct = default)
    {
        var deleted = 0;
        foreach (var type in ObservationType.All)
            deleted += await DeleteWhereAsync(patient, TableClient.CreateQueryFilter(
                $"PartitionKey eq {PartitionKey(patient)} and RowKey ge {$"{type.Code:D2}_"} and RowKey lt {RowKey(type, cutoff)}"), ct);
        return deleted;
    }

    private async Task<int> DeleteWhereAsync(Guid patient, string filter, CancellationToken ct)
    {
        var table = await TableAsync(ct);
        var keys = new List<string>();
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct))
            keys.Add(e.RowKey);
        foreach (var part in keys.Chunk(100))
            await table.SubmitTransactionAsync(part.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(PartitionKey(patient), k), ETag.All)), ct);
        return keys.Count;
    }

    /// <summary>Every chunk with the key it is sealed with (for key rotation).</summary>
    public async IAsyncEnumerable<(TableEntity Entity, string KeyId)> ScanAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: ct))
            yield return (entity, entity.TryGetValue("D00", out var first) && first is byte[] bytes && RecordSeal.TryReadKeyId(bytes, out var id) ? id : SealedStateStore.NotSealed);
    }

    /// <summary>Rewrites a chunk, as read by <see cref="ScanAsync"/>, sealed with the active key; false when its twin rewrote it since (the twin's write wins).</summary>
    public async Task<bool> ResealAsync(TableEntity entity, CancellationToken ct = default)
    {
        var patient = Guid.ParseExact(entity.PartitionKey, "N");
        var stored = Decode(patient, entity);
        var fresh = Encode(patient, stored.Chunk, stored.PreviousCount, stored.Sequence, out _);
        try
        {
            await (await TableAsync(ct)).UpdateEntityAsync(fresh, entity.ETag, TableUpdateMode.Replace, ct);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

    private static byte[] Binding(Guid patient, ObservationType type, DateOnly day)
    {
        var binding = new byte[4 + 16 + 1 + 4];
        "NMH1"u8.CopyTo(binding);
        patient.TryWriteBytes(binding.AsSpan(4, 16));
        binding[20] = (byte)type.Code;
        BinaryPrimitives.WriteInt32LittleEndian(binding.AsSpan(21), day.DayNumber);
        return binding;
    }

    private TableEntity Encode(Guid patient, DayChunk chunk, int previousCount, long sequence, out int size)
    {
        var n = chunk.Count;
        var plain = new byte[9 + n * 12];
        plain[0] = FormatVersion;
        BinaryPrimitives.WriteInt32LittleEndian(plain.AsSpan(1), previousCount);
        BinaryPrimitives.WriteInt32LittleEndian(plain.AsSpan(5), n);
        var dayStart = DayStart(chunk.Day);
        for (var i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(plain.AsSpan(9 + i * 4), checked((int)(chunk.UnixMilliseconds[i] - dayStart)));
            BinaryPrimitives.WriteDoubleLittleEndian(plain.AsSpan(9 + n * 4 + i * 8), chunk.Values[i]);
        }
        var sealedRecord = RecordSeal.Seal(keyRing, plain, Binding(patient, chunk.Type, chunk.Day));
        var entity = new TableEntity(PartitionKey(patient), RowKey(chunk.Type, chunk.Day)) { ["Seq"] = sequence };
        for (int offset = 0, part = 0; offset < sealedRecord.Length; offset += PropertyBytes, part++)
            entity[$"D{part:D2}"] = sealedRecord.AsSpan(offset, Math.Min(PropertyBytes, sealedRecord.Length - offset)).ToArray();
        size = sealedRecord.Length + 256;
        return entity;
    }

    private StoredChunk Decode(Guid patient, TableEntity entity)
    {
        var type = ObservationType.FromCode(int.Parse(entity.RowKey[..2], System.Globalization.CultureInfo.InvariantCulture));
        var day = DateOnly.ParseExact(entity.RowKey[3..], "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        byte[] sealedRecord = [.. entity.Where(p => p.Key.StartsWith('D') && p.Value is byte[]).OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => (byte[])p.Value)];
        var plain = RecordSeal.Open(keyRing, sealedRecord, Binding(patient, type, day), "stored observation history");
        if (plain[0] != FormatVersion) throw new InvalidDataException($"history chunk format {plain[0]} is not known");
        var previous = BinaryPrimitives.ReadInt32LittleEndian(plain.AsSpan(1));
        var n = BinaryPrimitives.ReadInt32LittleEndian(plain.AsSpan(5));
        var dayStart = DayStart(day);
        var ms = new long[n];
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            ms[i] = dayStart + BinaryPrimitives.ReadInt32LittleEndian(plain.AsSpan(9 + i * 4));
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(plain.AsSpan(9 + n * 4 + i * 8));
        }
        return new StoredChunk(DayChunk.FromColumns(type, day, ms, values), previous, entity.GetInt64("Seq") ?? 0, entity.ETag);
    }

    private static long DayStart(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
}
