using Microsoft.Extensions.Configuration;
using NovaMind.Contracts;
using NovaMind.Silo;
using NovaMind.TestInfrastructure;
using Orleans.TestingHost;

namespace NovaMind.Cluster.Tests;

/// <summary>
/// An in-process Orleans cluster configured exactly as the silo process is (<see cref="NovaMindSiloExtensions.AddNovaMind"/>),
/// over a real Azurite: encrypted Azure Table twin storage, Azure Queue streams, the committed forecast model.
/// </summary>
public sealed class NovaMindClusterFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public TestSecrets Secrets { get; } = new();
    public IClusterClient Client => Cluster.Client;

    /// <summary>Raw readings are kept ten years here (the tests' data is from 2026; retention is tested with older chunks).</summary>
    public const int RawRetentionDays = 3650;

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        // These tests call grains directly as a trusted client; the silo's client-call check has its own tests (SiloAccessTests).
        var configuration = SiloConfiguration(Azurite, Secrets, new() { ["Placement:RequireAccelerator"] = "false", [NovaMindSiloExtensions.VerifyClientCallsKey] = "false",
            ["Twins:History:RawRetentionDays"] = RawRetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Drift windows of 100 values judged from 100 (DriftAndConfidenceTests fills them with one cohort per phase).
            ["Monitoring:Drift:WindowValues"] = "100", ["Monitoring:DriftRule:MinCount"] = "100" });

        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddNovaMind(configuration));
        builder.ConfigureClient(client =>
        {
            NovaMind.ServiceDefaults.ClusterTls.Load(configuration).ApplyTo(client);
            // The gateway's own registration: the twin-update contract through the configured transport (Azure Queues here).
            NovaMind.ServiceDefaults.TwinUpdateStreaming.FromConfiguration(configuration).ApplyTo(client, NovaMind.ServiceDefaults.StorageAccount.FromConfiguration(configuration));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>What a silo process gets from its environment, pointed at this test's Azurite, secrets and the committed models.</summary>
    public static IConfiguration SiloConfiguration(AzuriteServer azurite, TestSecrets secrets, Dictionary<string, string?> extra)
    {
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Storage"] = azurite.ConnectionString,
            ["NOVAMIND_KEYRING"] = secrets.KeyRingJson,
            ["Audit:CheckpointKey"] = Convert.ToBase64String(secrets.AuditKey),
            ["Orleans:Tls:CertificateFile"] = secrets.ClusterCertificateFile,
            ["Orleans:Tls:AuthorityFile"] = secrets.ClusterAuthorityFile,
            ["Privacy:PseudonymKey"] = Convert.ToBase64String(secrets.PseudonymKey),
            ["Models:Root"] = RepoPaths.Models,
        };
        foreach (var (k, v) in extra) values[k] = v;
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    /// <summary>The Azure Table entity that holds one twin's (encrypted) state, as it is in storage.</summary>
    public async Task<Azure.Data.Tables.TableEntity> StoredTwinEntityAsync(Guid id)
    {
        var table = new Azure.Data.Tables.TableServiceClient(Azurite.ConnectionString).GetTableClient("NovaMindTwins");
        var key = id.ToString("N");
        var entities = new List<Azure.Data.Tables.TableEntity>();
        await foreach (var e in table.QueryAsync<Azure.Data.Tables.TableEntity>())
            if (e.PartitionKey.Contains(key, StringComparison.OrdinalIgnoreCase) || e.RowKey.Contains(key, StringComparison.OrdinalIgnoreCase)) entities.Add(e);
        return Assert.Single(entities);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
        if (Azurite is not null) await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<NovaMindClusterFixture>
{
    public const string Name = "NovaMind cluster";
}
