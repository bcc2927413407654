using Azure;
using Azure.Data.Tables;
using NovaMind.Contracts;
using NovaMind.Domain.Audit;
using NovaMind.Grains.Audit;

namespace NovaMind.Cluster.Tests;

/// <summary>The audit chain in Azurite: group-committed appends from concurrent callers, and tampering found where it happened.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AuditTrailTests(NovaMindClusterFixture fixture)
{
    private static AuditEntryDto Dto(int i) => new(DateTimeOffset.UtcNow, $"dr-{i}", ["clinician"], "read_clinical", $"p{i:0000}", "GET /api/patients/{id}", "200", false, null, "127.0.0.1");

    private AuditStore Store(string chain) => new(new TableServiceClient(fixture.Azurite.ConnectionString), fixture.Secrets.AuditKey, chain, checkpointEvery: 5);

    [Fact]
    public async Task Concurrent_appends_are_group_committed_into_one_intact_chain()
    {
        var grain = fixture.Client.GetGrain<IAuditLogGrain>(0);
        var store = new AuditStore(new TableServiceClient(fixture.Azurite.ConnectionString), fixture.Secrets.AuditKey);
        var before = (await store.ReadAllAsync()).Records.Count;
        await Task.WhenAll(Enumerable.Range(0, 150).Select(i => grain.Append([Dto(i)])));
        var (records, _, head) = await store.ReadAllAsync();
        Assert.Equal(records.Count, head!.Sequence);
        // The silo may append model-serving records of its own meanwhile; these 150 are all there, once each.
        Assert.Equal(Enumerable.Range(0, 150).Select(i => $"dr-{i}").Order(),
            records.Skip(before).Where(r => r.Entry.Action != "serve_model").Select(r => r.Entry.Subject).Order());
        var verification = await store.VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task A_model_version_the_silo_starts_serving_is_recorded_with_its_version()
    {
        var forecaster = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<NovaMind.Ml.Forecasting.SymptomForecaster>(fixture.Cluster.Silos[0].ServiceProvider);
        var store = new AuditStore(new TableServiceClient(fixture.Azurite.ConnectionString), fixture.Secrets.AuditKey);
        AuditEntry? served = null;
        for (var attempt = 0; attempt < 50 && served is null; attempt++)
        {
            if (attempt > 0) await Task.Delay(100);
            served = (await store.ReadAllAsync()).Records.Select(r => r.Entry)
                .FirstOrDefault(e => e.Action == "serve_model" && e.Resource == $"model forecast {forecaster.Version}");
        }
        Assert.NotNull(served);
        Assert.StartsWith("silo ", served.Subject);
        Assert.Null(served.Patient);
        Assert.Equal(File.ReadAllText(Path.Combine(NovaMind.TestInfrastructure.RepoPaths.Models, "forecast", "CURRENT")).Trim(), forecaster.Version);
    }

    [Fact]
    public async Task Many_sequential_appends_shaped_like_the_gateways_all_complete()
    {
        var grain = fixture.Client.GetGrain<IAuditLogGrain>(0);
        for (var i = 0; i < 120; i++)
        {
            var entry = new AuditEntryDto(DateTimeOffset.UtcNow, "demo-seeder", ["clinician"], "create_patient", i % 3 == 0 ? null : $"p{i}",
                "POST /api/patients", i % 2 == 0 ? "attempt" : "201", false, "0af7651916cd43dd8448eb211c80319c", "127.0.0.1");
            await grain.Append([entry]).WaitAsync(TimeSpan.FromSeconds(10));
        }
        var verification = await new AuditStore(new TableServiceClient(fixture.Azurite.ConnectionString), fixture.Secrets.AuditKey).VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task A_second_writer_never_forks_the_chain()
    {
        var chain = "fork-" + Guid.NewGuid().ToString("N")[..8];
        var a = Store(chain);
        var b = Store(chain);
        var headA = await a.AppendAsync(await a.ReadHeadAsync(), [ToDomain(Dto(1))]);
        var staleForB = await b.ReadHeadAsync();
        headA = await a.AppendAsync(headA, [ToDomain(Dto(2))]);
        var conflict = await Assert.ThrowsAnyAsync<Exception>(() => b.AppendAsync(staleForB, [ToDomain(Dto(3))]));
        Assert.True(conflict is RequestFailedException or TableTransactionFailedException, conflict.GetType().Name);
        await b.AppendAsync(await b.ReadHeadAsync(), [ToDomain(Dto(3))]);
        var verification = await a.VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(3, verification.RecordsChecked);
    }

    [Fact]
    public async Task A_flipped_byte_a_deleted_record_and_two_reordered_records_are_each_found_and_located()
    {
        var chain = "tamper-" + Guid.NewGuid().ToString("N")[..8];
        var store = Store(chain);
        var head = await store.ReadHeadAsync();
        for (var i = 1; i <= 12; i += 4) head = await store.AppendAsync(head, [.. Enumerable.Range(i, 4).Select(k => ToDomain(Dto(k)))]);
        Assert.True((await store.VerifyAsync()).Intact);
        var table = store.Table;
        async Task<TableEntity> Row(long sequence) => (await table.GetEntityAsync<TableEntity>(chain, AuditStore.RowKey(sequence))).Value;

        // 1. One flipped byte in record 5's stored content.
        var five = await Row(5);
        var original = five.GetString("Payload")!;
        var chars = original.ToCharArray();
        var at = original.IndexOf("dr-5", StringComparison.Ordinal) + 3;
        chars[at] = (char)(chars[at] ^ 1);
        five["Payload"] = new string(chars);
        await table.UpdateEntityAsync(five, ETag.All, TableUpdateMode.Replace);
        var flipped = await store.VerifyAsync();
        Assert.Equal((false, 5L), (flipped.Intact, flipped.BrokenAt));
        Assert.Contains("record 5 was altered", flipped.Problem);
        five["Payload"] = original;
        await table.UpdateEntityAsync(five, ETag.All, TableUpdateMode.Replace);
        Assert.True((await store.VerifyAsync()).Intact);

        // 2. Record 7 deleted.
        var seven = await Row(7);
        await table.DeleteEntityAsync(chain, seven.RowKey);
        var deleted = await store.VerifyAsync();
        Assert.Equal((false, 7L), (deleted.Intact, deleted.BrokenAt));
        Assert.Contains("record 7 is missing", deleted.Problem);
        await table.AddEntityAsync(seven);
        Assert.True((await store.VerifyAsync()).Intact);

        // 3. Records 3 and 4 swapped in place.
        var (three, four) = (await Row(3), await Row(4));
        var (threeKey, fourKey) = (three.RowKey, four.RowKey);
        three.RowKey = fourKey;
        four.RowKey = threeKey;
        await table.UpdateEntityAsync(three, ETag.All, TableUpdateMode.Replace);
        await table.UpdateEntityAsync(four, ETag.All, TableUpdateMode.Replace);
        var swapped = await store.VerifyAsync();
        Assert.Equal((false, 3L), (swapped.Intact, swapped.BrokenAt));
        Assert.Contains("out of order at position 3", swapped.Problem);
    }

    private static AuditEntry ToDomain(AuditEntryDto e) => new(e.Time, e.Subject, e.Roles, e.Action, e.Patient, e.Resource, e.Outcome, e.BreakGlass, e.TraceId, e.Source);
}
