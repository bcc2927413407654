using Microsoft.Extensions.Configuration;
using NovaMind.ServiceDefaults;

namespace NovaMind.EndToEnd.Tests;

/// <summary>How silo, gateway and CLI reach storage: Azurite by connection string, production by HTTPS endpoints and a token credential.</summary>
public sealed class StorageAccountTests
{
    private static StorageAccount From(params (string Key, string Value)[] settings) =>
        StorageAccount.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

    [Fact]
    public void Without_settings_it_is_Azurite_and_unfit_for_production()
    {
        var account = From();
        Assert.True(account.UsesConnectionString);
        Assert.Equal("devstoreaccount1", account.Tables().AccountName);
        Assert.Contains("Azurite development account", Assert.Single(account.ProductionProblems()));
    }

    [Fact]
    public void Service_endpoints_over_https_use_a_token_credential_and_no_key()
    {
        var account = From(("Storage:TableServiceUri", "https://novamindprod.table.core.windows.net/"), ("Storage:QueueServiceUri", "https://novamindprod.queue.core.windows.net/"));
        Assert.False(account.UsesConnectionString);
        Assert.Equal(new Uri("https://novamindprod.table.core.windows.net/"), account.Tables().Uri);
        Assert.Equal("novamindprod", account.Tables().AccountName);
        Assert.Equal(new Uri("https://novamindprod.queue.core.windows.net/"), account.Queues().Uri);
        Assert.Empty(account.ProductionProblems());
    }

    [Fact]
    public void Production_refuses_plain_http_endpoints_and_account_keys()
    {
        var http = From(("Storage:TableServiceUri", "http://novamindprod.table.core.windows.net/"), ("Storage:QueueServiceUri", "https://novamindprod.queue.core.windows.net/"));
        Assert.Equal("Storage:TableServiceUri http://novamindprod.table.core.windows.net/ is not HTTPS", Assert.Single(http.ProductionProblems()));
        var keyed = From(("ConnectionStrings:Storage", "DefaultEndpointsProtocol=https;AccountName=novamindprod;AccountKey=" + Convert.ToBase64String(new byte[64]) + ";EndpointSuffix=core.windows.net"));
        Assert.Contains("carry the account key", Assert.Single(keyed.ProductionProblems()));
    }

    [Fact]
    public void Half_or_conflicting_settings_are_refused_with_what_to_set()
    {
        var half = Assert.Throws<InvalidOperationException>(() => From(("Storage:TableServiceUri", "https://a.table.core.windows.net/")));
        Assert.Contains("Storage:QueueServiceUri", half.Message);
        var both = Assert.Throws<InvalidOperationException>(() => From(("Storage:TableServiceUri", "https://a.table.core.windows.net/"),
            ("Storage:QueueServiceUri", "https://a.queue.core.windows.net/"), ("ConnectionStrings:Storage", "UseDevelopmentStorage=true")));
        Assert.Contains("not both", both.Message);
    }
}
