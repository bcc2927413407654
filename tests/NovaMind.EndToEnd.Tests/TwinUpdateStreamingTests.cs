using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NovaMind.Contracts;
using NovaMind.ServiceDefaults;
using NovaMind.TestInfrastructure;
using Orleans.Configuration;

namespace NovaMind.EndToEnd.Tests;

/// <summary>
/// The twin-update stream's transport from configuration: Azure Queues (what every other test runs on) or Event Hubs
/// (production), which cannot run here, so its configuration is checked as far as a host can be built without a hub.
/// </summary>
public sealed class TwinUpdateStreamingTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    private static readonly (string, string)[] EventHubs =
    [
        ("Streaming:Provider", "EventHubs"), ("Streaming:EventHubs:FullyQualifiedNamespace", "novamind-prod.servicebus.windows.net"),
        ("Streaming:EventHubs:HubName", "twin-updates"), ("Streaming:EventHubs:ConsumerGroup", "novamind-silos"),
    ];

    [Theory]
    [InlineData(null)]
    [InlineData("AzureQueue")]
    [InlineData("azurequeue")]
    public void Azure_queues_are_the_default(string? provider)
    {
        var streaming = TwinUpdateStreaming.FromConfiguration(provider is null ? Settings() : Settings(("Streaming:Provider", provider)));
        Assert.Equal(StreamingProvider.AzureQueue, streaming.Provider);
        Assert.Null(streaming.EventHubs);
    }

    [Fact]
    public void Event_hubs_settings_are_read_with_defaults_for_the_optional_ones()
    {
        var streaming = TwinUpdateStreaming.FromConfiguration(Settings(EventHubs));
        Assert.Equal(StreamingProvider.EventHubs, streaming.Provider);
        Assert.Equal(new EventHubsStreaming("novamind-prod.servicebus.windows.net", "twin-updates", "novamind-silos", "NovaMindStreamCheckpoints", TimeSpan.FromSeconds(10)), streaming.EventHubs);
    }

    // Each row: a setting removed or changed, and what the refusal must name.
    [Theory]
    [InlineData("Streaming:EventHubs:FullyQualifiedNamespace", null, "Streaming:EventHubs:FullyQualifiedNamespace is missing")]
    [InlineData("Streaming:EventHubs:HubName", null, "Streaming:EventHubs:HubName is missing")]
    [InlineData("Streaming:EventHubs:ConsumerGroup", "", "Streaming:EventHubs:ConsumerGroup is missing")]
    [InlineData("Streaming:EventHubs:FullyQualifiedNamespace", "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKey=abc", "must be a host name")]
    [InlineData("Streaming:EventHubs:FullyQualifiedNamespace", "https://x.servicebus.windows.net", "must be a host name")]
    [InlineData("Streaming:EventHubs:CheckpointIntervalSeconds", "0", "CheckpointIntervalSeconds must be between 1 and 600")]
    [InlineData("Streaming:Provider", "Kafka", "Streaming:Provider 'Kafka' is not known")]
    public void Incomplete_or_wrong_settings_are_refused_naming_each_problem(string key, string? value, string expected)
    {
        var settings = EventHubs.Where(s => s.Item1 != key).ToList();
        if (value is not null) settings.Add((key, value));
        var ex = Assert.Throws<InvalidOperationException>(() => TwinUpdateStreaming.FromConfiguration(Settings([.. settings])));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("Streaming:Provider is AzureQueue (default) or EventHubs", ex.Message);
    }

    [Fact]
    public void Every_missing_setting_is_named_at_once()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TwinUpdateStreaming.FromConfiguration(Settings(("Streaming:Provider", "EventHubs"))));
        Assert.Contains("FullyQualifiedNamespace is missing", ex.Message);
        Assert.Contains("HubName is missing", ex.Message);
        Assert.Contains("ConsumerGroup is missing", ex.Message);
    }

    [Fact]
    public void A_silo_configured_for_event_hubs_registers_the_twin_update_provider_on_the_configured_hub()
    {
        var configuration = Settings([.. EventHubs, ("Storage:TableServiceUri", "https://novamindprod.table.core.windows.net/"), ("Storage:QueueServiceUri", "https://novamindprod.queue.core.windows.net/")]);
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => TwinUpdateStreaming.FromConfiguration(configuration).ApplyTo(silo, StorageAccount.FromConfiguration(configuration)));
        using var host = builder.Build(); // built, not started: there is no hub to connect to

        // EventHubOptions keeps what ConfigureEventHubConnection set in non-public properties.
        var hub = host.Services.GetRequiredService<IOptionsMonitor<EventHubOptions>>().Get(TwinStreams.ProviderName);
        object? Read(string property) => typeof(EventHubOptions).GetProperty(property, System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)!.GetValue(hub);
        Assert.Equal("twin-updates", Read("EventHubName"));
        Assert.Equal("novamind-silos", Read("ConsumerGroup"));
        Assert.NotNull(Read("CreateConnection")); // a connection from the namespace and the workload's credential
        var checkpoints = host.Services.GetRequiredService<IOptionsMonitor<AzureTableStreamCheckpointerOptions>>().Get(TwinStreams.ProviderName);
        Assert.Equal("NovaMindStreamCheckpoints", checkpoints.TableName);
        Assert.Equal(TimeSpan.FromSeconds(10), checkpoints.PersistInterval);
        Assert.NotNull(host.Services.GetKeyedService<Orleans.Streams.IQueueAdapterFactory>(TwinStreams.ProviderName));
    }

    [Fact]
    public async Task The_silo_refuses_to_start_with_event_hubs_half_configured_and_says_what_is_missing()
    {
        var secrets = new TestSecrets();
        await using var silo = ServiceProcess.Start("NovaMind.Silo", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Privacy__PseudonymKey"] = Convert.ToBase64String(secrets.PseudonymKey),
            ["Streaming__Provider"] = "EventHubs",
            ["Streaming__EventHubs__FullyQualifiedNamespace"] = "novamind-prod.servicebus.windows.net",
        });
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Event Hubs streaming is selected but not configured: Streaming:EventHubs:HubName is missing; Streaming:EventHubs:ConsumerGroup is missing", silo.Output());
    }
}
