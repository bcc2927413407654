using Azure.Identity;
using Microsoft.Extensions.Configuration;
using NovaMind.Contracts;
using Orleans.Hosting;

namespace NovaMind.ServiceDefaults;

public enum StreamingProvider { AzureQueue, EventHubs }

/// <summary>Where the twin-update stream runs in production when it is Event Hubs.</summary>
/// <param name="FullyQualifiedNamespace">The namespace's host name, e.g. <c>novamind.servicebus.windows.net</c>.</param>
/// <param name="HubName">The event hub (its partition count bounds the silos' pulling agents).</param>
/// <param name="ConsumerGroup">This deployment's consumer group; never shared with another reader.</param>
/// <param name="CheckpointTable">The Azure Table (in the storage account) where silos checkpoint partition offsets.</param>
public sealed record EventHubsStreaming(string FullyQualifiedNamespace, string HubName, string ConsumerGroup, string CheckpointTable, TimeSpan CheckpointInterval);

/// <summary>
/// The twin-update stream's transport, chosen by configuration and identical for silos and gateways:
/// <c>Streaming:Provider</c> = <c>AzureQueue</c> (default; Azurite locally, an Azure Storage account in production) or
/// <c>EventHubs</c> (<c>Streaming:EventHubs:FullyQualifiedNamespace</c>, <c>:HubName</c>, <c>:ConsumerGroup</c> required;
/// <c>:CheckpointTable</c>, <c>:CheckpointIntervalSeconds</c> optional), authenticated with the workload's identity like
/// storage (no connection strings with keys). Whatever the transport, the contract is the same: provider
/// <see cref="TwinStreams.ProviderName"/>, namespace <see cref="TwinStreams.Namespace"/>, one stream per patient id,
/// <see cref="TwinUpdate"/> events.
/// </summary>
public sealed record TwinUpdateStreaming(StreamingProvider Provider, EventHubsStreaming? EventHubs)
{
    public const string HowToConfigure =
        "Streaming:Provider is AzureQueue (default) or EventHubs; EventHubs needs Streaming:EventHubs:FullyQualifiedNamespace (e.g. novamind.servicebus.windows.net), " +
        "Streaming:EventHubs:HubName and Streaming:EventHubs:ConsumerGroup (deploy/README.md)";

    /// <summary>The settings, or an <see cref="InvalidOperationException"/> naming every missing or malformed one.</summary>
    public static TwinUpdateStreaming FromConfiguration(IConfiguration configuration)
    {
        var provider = configuration["Streaming:Provider"];
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals("AzureQueue", StringComparison.OrdinalIgnoreCase))
            return new(StreamingProvider.AzureQueue, null);
        if (!provider.Equals("EventHubs", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Streaming:Provider '{provider}' is not known. {HowToConfigure}");

        var section = configuration.GetSection("Streaming:EventHubs");
        var problems = new List<string>();
        string Required(string key)
        {
            var value = section[key];
            if (string.IsNullOrWhiteSpace(value)) problems.Add($"Streaming:EventHubs:{key} is missing");
            return value?.Trim() ?? "";
        }
        var ns = Required("FullyQualifiedNamespace");
        var hub = Required("HubName");
        var group = Required("ConsumerGroup");
        if (ns.Length > 0 && (ns.Contains("://", StringComparison.Ordinal) || ns.Contains(';', StringComparison.Ordinal) || Uri.CheckHostName(ns) != UriHostNameType.Dns))
            problems.Add($"Streaming:EventHubs:FullyQualifiedNamespace must be a host name such as novamind.servicebus.windows.net (no scheme, no connection string); got '{ns}'");
        var interval = section.GetValue("CheckpointIntervalSeconds", 10.0);
        if (interval is < 1 or > 600) problems.Add($"Streaming:EventHubs:CheckpointIntervalSeconds must be between 1 and 600; got {interval}");
        if (problems.Count > 0)
            throw new InvalidOperationException($"Event Hubs streaming is selected but not configured: {string.Join("; ", problems)}. {HowToConfigure}");
        return new(StreamingProvider.EventHubs, new(ns, hub, group, section["CheckpointTable"] ?? "NovaMindStreamCheckpoints", TimeSpan.FromSeconds(interval)));
    }

    /// <summary>Registers the twin-update stream provider on a silo (pulling agents, checkpoints in <paramref name="storage"/>).</summary>
    public void ApplyTo(ISiloBuilder silo, StorageAccount storage)
    {
        if (EventHubs is not { } eh)
        {
            silo.AddAzureQueueStreams(TwinStreams.ProviderName, ob => ob.Configure(o =>
            {
                o.QueueServiceClient = storage.Queues();
                o.QueueNames = [.. TwinStreams.AzureQueueNames];
            }));
            return;
        }
        silo.AddEventHubStreams(TwinStreams.ProviderName, configurator =>
        {
            configurator.ConfigureEventHub(ob => ob.Configure(o => o.ConfigureEventHubConnection(eh.FullyQualifiedNamespace, eh.HubName, eh.ConsumerGroup, Credential(storage))));
            configurator.UseAzureTableCheckpointer(ob => ob.Configure(o =>
            {
                o.TableServiceClient = storage.Tables();
                o.TableName = eh.CheckpointTable;
                o.PersistInterval = eh.CheckpointInterval;
            }));
        });
    }

    /// <summary>Registers the same stream provider on a client (gateways publish nothing; they subscribe).</summary>
    public void ApplyTo(IClientBuilder client, StorageAccount storage)
    {
        if (EventHubs is not { } eh)
        {
            client.AddAzureQueueStreams(TwinStreams.ProviderName, ob => ob.Configure(o =>
            {
                o.QueueServiceClient = storage.Queues();
                o.QueueNames = [.. TwinStreams.AzureQueueNames];
            }));
            return;
        }
        client.AddEventHubStreams(TwinStreams.ProviderName, configurator =>
            configurator.ConfigureEventHub(ob => ob.Configure(o => o.ConfigureEventHubConnection(eh.FullyQualifiedNamespace, eh.HubName, eh.ConsumerGroup, Credential(storage)))));
    }

    private static Azure.Core.TokenCredential Credential(StorageAccount storage) => storage.Credential ?? new DefaultAzureCredential();
}
