using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using NovaMind.Grains.Persistence;
using NovaMind.Grains.Twins;
using Orleans.Storage;

namespace NovaMind.Cluster.Tests;

/// <summary>What actually lands in Azure Table storage for a twin.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EncryptionAtRestTests(NovaMindClusterFixture fixture)
{
    // A value whose 8 IEEE-754 bytes are distinctive enough not to appear in random ciphertext by chance.
    private const double Marker = 7.3141592653589;
    private static readonly DateTimeOffset Day = new(2026, 2, 3, 8, 0, 0, TimeSpan.Zero);

    private TableClient TwinTable => new TableServiceClient(fixture.Azurite.ConnectionString).GetTableClient("NovaMindTwins");

    private async Task<(IPatientTwinGrain Twin, TableEntity Entity)> StoredTwinAsync()
    {
        var id = Guid.NewGuid();
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(id);
        await twin.Register();
        await twin.AddObservations([new(Day, "mood", Marker), new(Day, "sleep_hours", Marker)]);
        Assert.Equal(UpdateStatus.Updated, (await twin.SetGenotype(new() { ["CYP2D6"] = "*1/*4", ["HLA-B*15:02"] = "positive" })).Status);
        Assert.Equal(UpdateStatus.Updated, (await twin.SetMedications(new([new("fluoxetine", 20, new DateOnly(2026, 1, 2))], []))).Status);
        return (twin, await fixture.StoredTwinEntityAsync(id));
    }

    private static byte[] StoredBytes(TableEntity entity) =>
        [.. entity.Where(kv => kv.Value is byte[]).OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => (byte[])kv.Value)];

    [Fact]
    public async Task The_stored_entity_holds_only_ciphertext_sealed_with_the_active_key()
    {
        var (_, entity) = await StoredTwinAsync();
        var stored = StoredBytes(entity);
        Assert.NotEmpty(stored);

        // Control: the unencrypted serialization of such a state does contain the marker's bytes, so this test can fail.
        var inner = new OrleansGrainStorageSerializer(fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<Orleans.Serialization.Serializer>());
        var plain = inner.Serialize(new PatientTwinState
        {
            Registered = true,
            Observations = [new(Day.ToUnixTimeMilliseconds(), 2, Marker)],
            Genotype = new() { ["CYP2D6"] = "*1/*4" },
        }).ToArray();
        var markerBytes = BitConverter.GetBytes(Marker);
        Assert.True(plain.AsSpan().IndexOf(markerBytes) >= 0, "control: plaintext state should contain the marker");
        Assert.True(plain.AsSpan().IndexOf("CYP2D6"u8) >= 0, "control: plaintext state should contain the gene name");

        Assert.True(stored.AsSpan().IndexOf(markerBytes) < 0, "stored twin state contains an observation value in plaintext");
        Assert.DoesNotContain(entity, kv => kv.Value is string s && (s.Contains("mood") || s.Contains("sleep_hours")));
        foreach (var text in new[] { "CYP2D6", "*1/*4", "HLA-B", "fluoxetine" })
            Assert.True(stored.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) < 0, $"stored twin state contains '{text}' in plaintext");
        Assert.Equal("NMS1"u8.ToArray(), stored[..4]);
        Assert.Equal(fixture.Secrets.ActiveKeyId, System.Text.Encoding.UTF8.GetString(stored, 5, stored[4]));
    }

    [Fact]
    public async Task One_flipped_byte_makes_the_read_fail_loudly()
    {
        var (twin, entity) = await StoredTwinAsync();
        var column = entity.Where(kv => kv.Value is byte[]).OrderBy(kv => kv.Key, StringComparer.Ordinal).Last().Key;
        var data = (byte[])entity[column];
        data[^1] ^= 0x01; // a ciphertext byte
        entity[column] = data;
        await TwinTable.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Replace);

        await fixture.Cluster.DeactivateAsync(twin);
        // The storage provider wraps the serializer's TwinStateIntegrityException; its message must reach the caller.
        var ex = await Assert.ThrowsAnyAsync<OrleansException>(() => twin.GetSummary());
        Assert.Contains("stored twin state failed authentication", ex.ToString());
        Assert.Contains(nameof(TwinStateIntegrityException), ex.ToString());
    }

    [Fact]
    public async Task Two_patients_records_swapped_in_storage_are_detected_on_load()
    {
        var (a, rowA) = await StoredTwinAsync();
        var (b, rowB) = await StoredTwinAsync();
        var columnA = Assert.Single(rowA, kv => kv.Value is byte[]).Key;
        var columnB = Assert.Single(rowB, kv => kv.Value is byte[]).Key;
        (rowA[columnA], rowB[columnB]) = (rowB[columnB], rowA[columnA]);
        await TwinTable.UpdateEntityAsync(rowA, ETag.All, TableUpdateMode.Replace);
        await TwinTable.UpdateEntityAsync(rowB, ETag.All, TableUpdateMode.Replace);
        await fixture.Cluster.DeactivateAsync(a);
        await fixture.Cluster.DeactivateAsync(b);

        foreach (var twin in new[] { a, b })
        {
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => twin.GetSummary());
            Assert.Contains("belongs to another patient", ex.ToString());
        }
    }

    [Fact]
    public void Records_sealed_with_a_retired_key_stay_readable_after_rotation()
    {
        var inner = new OrleansGrainStorageSerializer(fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<Orleans.Serialization.Serializer>());
        var k1 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var k2 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var before = new EncryptedGrainStorageSerializer(inner, new TwinKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = k1 }));
        var after = new EncryptedGrainStorageSerializer(inner, new TwinKeyRing("k2", new Dictionary<string, byte[]> { ["k1"] = k1, ["k2"] = k2 }));
        var onlyNew = new EncryptedGrainStorageSerializer(inner, new TwinKeyRing("k2", new Dictionary<string, byte[]> { ["k2"] = k2 }));
        var state = new PatientTwinState { Registered = true, RegisteredAt = Day, Observations = [new(Day.ToUnixTimeMilliseconds(), 2, Marker)] };

        var old = before.Serialize(state);
        var read = after.Deserialize<PatientTwinState>(old)!;
        Assert.Equal(Marker, read.Observations[0].Value);
        Assert.Equal("k2", System.Text.Encoding.UTF8.GetString(after.Serialize(read).ToArray(), 5, 2)); // rewrites use the new key

        var ex = Assert.Throws<TwinStateIntegrityException>(() => onlyNew.Deserialize<PatientTwinState>(old));
        Assert.Contains("'k1'", ex.Message);
    }

    [Fact]
    public void A_rotated_ring_round_trips_keeps_old_keys_and_never_retires_the_active_one()
    {
        var ring = TwinKeyRing.Parse(fixture.Secrets.KeyRingJson);
        var next = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var rotated = TwinKeyRing.Parse(ring.WithNewActiveKey("k-next", next).ToJson());
        Assert.Equal("k-next", rotated.ActiveKeyId);
        Assert.Equal(next, rotated.ActiveKey);
        Assert.Equal(fixture.Secrets.TwinKey, rotated.Keys[fixture.Secrets.ActiveKeyId]);
        Assert.Throws<ArgumentException>(() => rotated.WithNewActiveKey("k-next", next));
        Assert.Throws<ArgumentException>(() => rotated.Without("k-next"));
        Assert.Equal(["k-next"], rotated.Without(fixture.Secrets.ActiveKeyId).Keys.Keys);
    }

    [Fact]
    public void The_silo_refuses_to_start_without_a_key_ring_and_says_how_to_provide_one()
    {
        var empty = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        var ex = Assert.Throws<InvalidOperationException>(() => NovaMind.Silo.NovaMindSiloExtensions.LoadKeyRing(empty));
        Assert.Contains("NOVAMIND_KEYRING", ex.Message);
        Assert.Contains("Encryption:KeyRingFile", ex.Message);
    }
}
