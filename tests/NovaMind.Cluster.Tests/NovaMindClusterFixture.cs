using Azure.Storage.Queues;
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

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Storage"] = Azurite.ConnectionString,
            ["NOVAMIND_KEYRING"] = Secrets.KeyRingJson,
            ["Privacy:PseudonymKey"] = Convert.ToBase64String(Secrets.PseudonymKey),
            ["Models:Root"] = RepoPaths.Models,
            ["Placement:RequireAccelerator"] = "false",
        }).Build();

        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddNovaMind(configuration));
        builder.ConfigureClient(client => client.AddAzureQueueStreams(TwinStreams.ProviderName, ob => ob.Configure(o =>
        {
            o.QueueServiceClient = new QueueServiceClient(Azurite.ConnectionString);
            o.QueueNames = [.. TwinStreams.AzureQueueNames];
        })));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
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
