using NovaMind.TestInfrastructure;
using Orleans.TestingHost;

namespace NovaMind.Cluster.Tests;

/// <summary>An in-process cluster of its own over its own Azurite: started once per test class, stopped and removed after.</summary>
public abstract class ClusterOverAzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>The cluster to deploy, configured against <paramref name="azurite"/>.</summary>
    protected abstract InProcessTestCluster Build(AzuriteServer azurite);

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        Cluster = Build(Azurite);
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
