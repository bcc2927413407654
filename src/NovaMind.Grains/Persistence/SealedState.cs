using Azure.Data.Tables;

namespace NovaMind.Grains.Persistence;

/// <summary>One stored record of a sealed table: the grain it belongs to (when the row key names one) and its sealing key.</summary>
public readonly record struct SealedRecord(GrainId? Grain, string KeyId);

/// <summary>
/// The tables whose grain state is sealed with the key ring, read directly (headers only matter) so a re-sealing run can
/// find which records still use a retired key. Orleans' Azure Table provider keys a row by "{serviceId}_{grainId}" with
/// '/' replaced by '_'; grain type names here contain no '_', so the first '_' after the service id ends the type.
/// </summary>
public sealed class SealedStateStore(IReadOnlyList<TableClient> tables, string serviceId)
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
                var keyId = first is not null && EncryptedGrainStorageSerializer.TryReadKeyId(first, out var id) ? id : NotSealed;
                yield return new SealedRecord(TryParseGrainId(entity.PartitionKey, serviceId), keyId);
            }
        }
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
