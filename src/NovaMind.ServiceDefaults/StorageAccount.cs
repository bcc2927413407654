using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// Where twin state, access lists, the audit chain, cluster membership and stream queues live. Two ways to reach it:
/// <list type="bullet">
/// <item>Production: the account's service endpoints over HTTPS (<c>Storage:TableServiceUri</c>, <c>Storage:QueueServiceUri</c>)
/// with a token credential — the workload's Azure identity (workload identity on Kubernetes, managed identity on a VM; optionally
/// <c>Storage:ManagedIdentityClientId</c>). No account key exists in configuration.</item>
/// <item>Azurite (development and tests): <c>ConnectionStrings:Storage</c>, default <c>UseDevelopmentStorage=true</c>.
/// Production refuses connection strings.</item>
/// </list>
/// </summary>
public sealed class StorageAccount
{
    private readonly string? _connectionString;
    private readonly Uri? _tables;
    private readonly Uri? _queues;
    private readonly TokenCredential? _credential;

    private StorageAccount(string? connectionString, Uri? tables, Uri? queues, TokenCredential? credential)
    {
        _connectionString = connectionString;
        _tables = tables;
        _queues = queues;
        _credential = credential;
    }

    public bool UsesConnectionString => _connectionString is not null;

    /// <summary>The workload's identity for other Azure services (Event Hubs streaming); null with an Azurite connection string.</summary>
    public TokenCredential? Credential => _credential;

    public static StorageAccount FromConfiguration(IConfiguration configuration)
    {
        var tables = configuration["Storage:TableServiceUri"];
        var queues = configuration["Storage:QueueServiceUri"];
        if (string.IsNullOrWhiteSpace(tables) && string.IsNullOrWhiteSpace(queues))
            return new StorageAccount(configuration.GetConnectionString("Storage") ?? "UseDevelopmentStorage=true", null, null, null);
        if (!Uri.TryCreate(tables, UriKind.Absolute, out var tableUri) || !Uri.TryCreate(queues, UriKind.Absolute, out var queueUri))
            throw new InvalidOperationException("Storage:TableServiceUri and Storage:QueueServiceUri must both be absolute URLs (e.g. https://<account>.table.core.windows.net/ and https://<account>.queue.core.windows.net/)");
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("Storage")))
            throw new InvalidOperationException("configure either ConnectionStrings:Storage (Azurite) or Storage:TableServiceUri/QueueServiceUri (a token credential), not both");
        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = configuration["Storage:ManagedIdentityClientId"],
            WorkloadIdentityClientId = configuration["Storage:ManagedIdentityClientId"],
        });
        return new StorageAccount(null, tableUri, queueUri, credential);
    }

    public TableServiceClient Tables() => _connectionString is { } c ? new TableServiceClient(c) : new TableServiceClient(_tables, _credential);

    public QueueServiceClient Queues() => _connectionString is { } c ? new QueueServiceClient(c) : new QueueServiceClient(_queues, _credential);

    /// <summary>Why this account is not fit for Production (empty when it is).</summary>
    public IReadOnlyList<string> ProductionProblems()
    {
        if (_connectionString is { } c)
            return c.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase) || c.Contains("AccountName=devstoreaccount1", StringComparison.OrdinalIgnoreCase)
                ? ["ConnectionStrings:Storage is the Azurite development account; production uses Storage:TableServiceUri and Storage:QueueServiceUri over HTTPS with the workload's identity"]
                : ["ConnectionStrings:Storage is set: connection strings carry the account key and are for Azurite only; production uses Storage:TableServiceUri and Storage:QueueServiceUri over HTTPS with the workload's identity"];
        return new[] { ("Storage:TableServiceUri", _tables!), ("Storage:QueueServiceUri", _queues!) }
            .Where(u => u.Item2.Scheme != Uri.UriSchemeHttps)
            .Select(u => $"{u.Item1} {u.Item2} is not HTTPS")
            .ToList();
    }
}
