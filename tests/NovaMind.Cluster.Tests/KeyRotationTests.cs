using System.Security.Cryptography;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using NovaMind.Grains.Persistence;
using NovaMind.Silo;
using NovaMind.TestInfrastructure;
using Orleans.TestingHost;

namespace NovaMind.Cluster.Tests;

/// <summary>
/// A whole data-key rotation on a running cluster, as the runbook does it: silos restarted one by one with a ring that adds a
/// new active key, a background re-encryption run, then silos with the old key removed. Patients stay readable throughout.
/// </summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly TestSecrets _secrets = new();
    private AzuriteServer _azurite = null!;
    private InProcessTestCluster _cluster = null!;
    private TwinKeyRing _ring = null!; // the ring the next silo to start gets

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.StartAsync();
        _ring = TwinKeyRing.Parse(_secrets.KeyRingJson);
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddNovaMind(
            NovaMindClusterFixture.SiloConfiguration(_azurite, _secrets, new() { ["Placement:RequireAccelerator"] = "false", ["NOVAMIND_KEYRING"] = _ring.ToJson(), [NovaMindSiloExtensions.VerifyClientCallsKey] = "false" }),
            useConfiguredStreams: false));
        builder.ConfigureClient(client => NovaMind.ServiceDefaults.ClusterTls.Load(NovaMindClusterFixture.SiloConfiguration(_azurite, _secrets, [])).ApplyTo(client));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>A rolling restart: a silo with <paramref name="ring"/> joins, then every older silo leaves.</summary>
    private async Task RollTo(TwinKeyRing ring)
    {
        _ring = ring;
        var old = _cluster.Silos.ToList();
        await _cluster.StartAdditionalSiloAsync();
        await _cluster.WaitForLivenessToStabilizeAsync();
        foreach (var silo in old) await _cluster.StopSiloAsync(silo);
        await _cluster.WaitForLivenessToStabilizeAsync();
    }

    private async Task<Dictionary<string, int>> RecordsByKey()
    {
        var store = _cluster.Silos[0].ServiceProvider.GetRequiredService<SealedStateStore>(); // grain tables and history chunks
        var counts = new Dictionary<string, int>();
        await foreach (var r in store.ScanAsync()) counts[r.KeyId] = counts.GetValueOrDefault(r.KeyId) + 1;
        return counts;
    }

    private async Task<ResealReport> ReencryptAsync(Func<Task> meanwhile)
    {
        var job = _cluster.Client.GetGrain<IKeyResealGrain>(0);
        var report = await job.Start();
        Assert.Equal(ResealReport.Running, report.State);
        while (report.State == ResealReport.Running)
        {
            await meanwhile();
            report = await job.Report();
        }
        return report;
    }

    [Fact]
    public async Task Rotating_reencrypting_and_retiring_a_key_keeps_every_patient_readable()
    {
        var client = _cluster.Client;
        var oldKey = _ring.ActiveKeyId;
        var patients = Enumerable.Range(0, 24).Select(_ => Guid.NewGuid()).ToList();
        foreach (var (id, i) in patients.Select((id, i) => (id, i)))
        {
            await client.GetGrain<ICareTeamGrain>(id).Create($"dr-{i % 3}");
            var twin = client.GetGrain<IPatientTwinGrain>(id);
            await twin.Register();
            Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([new(Day, "mood", 1 + i % 9), new(Day.AddDays(1), "mood", 1.5 + i % 8)])).Status);
        }
        async Task AllReadable(int observations)
        {
            foreach (var (id, i) in patients.Select((id, i) => (id, i)))
            {
                var summary = await client.GetGrain<IPatientTwinGrain>(id).GetSummary();
                Assert.Equal(observations, summary!.TotalObservations);
                Assert.Contains($"dr-{i % 3}", (await client.GetGrain<ICareTeamGrain>(id).Get()).Members);
            }
        }
        var before = await RecordsByKey();
        Assert.Equal([oldKey], before.Keys); // twins, care teams, "my patients" lists and history chunks: all sealed with the first key
        var records = before[oldKey];
        Assert.Equal(patients.Count * 2 + 3 + patients.Count * 2, records); // + two days of mood per patient

        // 1. A ring with a new active key, rolled out silo by silo: old records are read with the old key, new writes use the new one.
        var rotated = _ring.WithNewActiveKey("k-next", RandomNumberGenerator.GetBytes(32));
        await RollTo(rotated);
        await AllReadable(2);
        await client.GetGrain<IPatientTwinGrain>(patients[0]).AddObservations([new(Day.AddDays(2), "mood", 9)]);
        var mixed = await RecordsByKey();
        for (var wait = 0; wait < 100 && mixed.GetValueOrDefault("k-next") < 2; wait++) // the state follows its chunk within the checkpoint interval
        {
            await Task.Delay(100);
            mixed = await RecordsByKey();
        }
        Assert.Equal(2, mixed["k-next"]); // the twin's state and the new day's chunk
        Assert.Equal(records - 1, mixed[oldKey]);

        // 2. Re-encryption in the background while patients are read.
        var report = await ReencryptAsync(async () => await client.GetGrain<IPatientTwinGrain>(patients[^1]).GetSummary());
        Assert.True(report.State == ResealReport.Finished, report.Problem);
        Assert.Equal(records + 1, report.Scanned);
        Assert.Equal(records - 1, report.Resealed);
        Assert.Equal(0, report.Failed);
        Assert.Equal(new Dictionary<string, int> { ["k-next"] = records + 1 }, report.RecordsByKeyAfter);
        Assert.Equal(new Dictionary<string, int> { ["k-next"] = records + 1 }, await RecordsByKey());
        await client.GetGrain<IPatientTwinGrain>(patients[0]).AddObservations([new(Day.AddDays(3), "mood", 9)]);

        // 3. The old key retired: every record still opens, and a second run has nothing left to do.
        await RollTo(rotated.Without(oldKey));
        Assert.Equal(4, (await client.GetGrain<IPatientTwinGrain>(patients[0]).GetSummary())!.TotalObservations);
        foreach (var id in patients.Skip(1))
            Assert.Equal(2, (await client.GetGrain<IPatientTwinGrain>(id).GetSummary())!.TotalObservations);
        // A correction to an old day reads that day's chunk back: it opens with the new key alone.
        Assert.Equal(IngestStatus.Accepted, (await client.GetGrain<IPatientTwinGrain>(patients[1]).AddObservations([new(Day, "mood", 3)])).Status);
        Assert.Equal(2, (await client.GetGrain<IPatientTwinGrain>(patients[1]).GetSummary())!.TotalObservations);
        var again = await ReencryptAsync(() => Task.Delay(100));
        Assert.Equal((ResealReport.Finished, 0), (again.State, again.Resealed));
    }

    [Fact]
    public async Task A_silo_still_on_the_old_ring_leaves_the_run_incomplete_and_says_so()
    {
        var client = _cluster.Client;
        var id = Guid.NewGuid();
        await client.GetGrain<IPatientTwinGrain>(id).Register();
        // The job runs where it is placed, with that silo's ring; the twin lives on the silo that still seals with the old key.
        var oldKey = _ring.ActiveKeyId;
        _ring = _ring.WithNewActiveKey("k-next", RandomNumberGenerator.GetBytes(32));
        var newer = await _cluster.StartAdditionalSiloAsync();
        await _cluster.WaitForLivenessToStabilizeAsync();
        IKeyResealGrain? job = null;
        // Find a job activation on the new silo (placement is random): ask each candidate where it runs. Under load the new
        // silo can take a while to be offered for placement, so keep trying fresh keys for up to 60 s.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (var key = 0; job is null && (key < 64 || DateTime.UtcNow < deadline); key++)
        {
            var candidate = client.GetGrain<IKeyResealGrain>(key);
            if ((await candidate.Report()).ActiveKeyId == "k-next") job = candidate;
            else if (key >= 64) await Task.Delay(100);
        }
        Assert.NotNull(job);
        var report = await job!.Start();
        while (report.State == ResealReport.Running) report = await job.Report();
        Assert.Equal(ResealReport.Incomplete, report.State);
        Assert.Contains($"'{oldKey}'", report.Problem);
        Assert.Contains("restart every silo", report.Problem);
        _ = newer;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        if (_azurite is not null) await _azurite.DisposeAsync();
    }
}
