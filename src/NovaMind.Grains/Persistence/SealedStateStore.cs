using NovaMind.Contracts;
using Azure.Data.Tables;

namespace NovaMind.Grains.Persistence;

/// <summary>
/// One stored sealed record and its sealing key; <see cref="Reseal"/> writes it again with the active key (null when the row
/// names no grain it could ask): false when it was rewritten meanwhile by its owner (which seals with its own active key).
/// </summary>
public readonly record struct SealedRecord(string KeyId, Func<IGrainFactory, Task<bool>>? Reseal);

/// <summary>
/// Everything sealed with the key ring — the grain-state tables and the observation history — read directly (headers only
/// matter) so a re-sealing run can find which records still use a retired key. Grain records are re-sealed through their
/// grain (its writes and ETags stay consistent); history chunks are rewritten in place only if unchanged since read (ETag).
/// Orleans' Azure Table provider keys a row by "{serviceId}_{grainId}" with '/' replaced by '_'; grain type names here
/// contain no '_', so the first '_' after the service id ends the type.
/// </summary>
public sealed class SealedStateStore(IReadOnlyList<TableClient> tables, string serviceId, ObservationHistoryStore? history = null)
{
    public const string NotSealed = "(not sealed)";

    public async IAsyncEnumerable<SealedRecord> ScanAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var table in tables)
        {
            await table.CreateIfNotExistsAsync(ct);
            await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: ct))
            {
                var first = entity.Where(p => p.Value is byte[]).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (byte[])p.Value).FirstOrDefault();
                var keyId = first is not null && RecordSeal.TryReadKeyId(first, out var id) ? id : NotSealed;
                var grain = TryParseGrainId(entity.PartitionKey, serviceId);
                Func<IGrainFactory, Task<bool>>? reseal = grain is { } g ? grains => grains.GetGrain<ISealedStateGrain>(g).Reseal() : null;
                yield return new SealedRecord(keyId, reseal);
            }
        }
        if (history is null) yield break;
        await foreach (var (entity, keyId) in history.ScanAsync(ct))
            yield return new SealedRecord(keyId, _ => history.ResealAsync(entity));
    }

    public static GrainId? TryParseGrainId(string partitionKey, string serviceId)
    {
        var prefix = serviceId + "_";
        if (!partitionKey.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = partitionKey.AsSpan(prefix.Length);
        var split = rest.IndexOf('_');
        if (split <= 0 || split == rest.Length - 1) return null;
        return GrainId.Create(rest[..split].ToString(), rest[(split + 1)..].ToString());
    }

    /// <summary>Writes a grain's state again if it has one; what every <c>ISealedStateGrain.Reseal</c> does.</summary>
    public static async Task<bool> ResealAsync<T>(IPersistentState<T> state)
    {
        if (!state.RecordExists) return false;
        await state.WriteStateAsync();
        return true;
    }
}
