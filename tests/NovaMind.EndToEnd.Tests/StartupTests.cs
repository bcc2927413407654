using NovaMind.TestInfrastructure;

namespace NovaMind.EndToEnd.Tests;

public sealed class StartupTests
{
    [Fact]
    public async Task The_silo_refuses_to_start_without_a_key_ring_and_says_how_to_provide_one()
    {
        await using var silo = ServiceProcess.Start("NovaMind.Silo", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Privacy__PseudonymKey"] = Convert.ToBase64String(new byte[32]),
        });
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, exitCode);
        Assert.Contains("No twin-state key ring is configured", silo.Output());
        Assert.Contains("NOVAMIND_KEYRING", silo.Output());
    }

    [Fact]
    public async Task The_silo_refuses_to_start_without_an_audit_checkpoint_key()
    {
        await using var silo = ServiceProcess.Start("NovaMind.Silo", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Privacy__PseudonymKey"] = Convert.ToBase64String(new byte[32]),
            ["NOVAMIND_KEYRING"] = new TestSecrets().KeyRingJson,
        });
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("No audit checkpoint key is configured", silo.Output());
    }

    [Fact]
    public async Task In_production_the_gateway_and_silo_refuse_development_settings_naming_each()
    {
        var development = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["ConnectionStrings__Storage"] = "UseDevelopmentStorage=true",
            ["Authentication__Authority"] = "/home/dev/.novamind/oidc/openid-configuration.json",
            ["Privacy__PseudonymKeyFile"] = "/home/dev/.novamind/pseudonym.key",
            ["Encryption__KeyRingFile"] = "/home/dev/.novamind/keyring.json",
        };
        await using (var gateway = ServiceProcess.Start("NovaMind.Gateway", development))
        {
            Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var output = gateway.Output();
            Assert.Contains("refusing to start in Production: ConnectionStrings:Storage is the Azurite development account", output);
            Assert.Contains("Privacy:PseudonymKeyFile points into the development secrets folder", output);
            Assert.Contains("Authentication:Authority is not an HTTPS identity provider", output);
        }
        await using var silo = ServiceProcess.Start("NovaMind.Silo", development);
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Encryption:KeyRingFile points into the development secrets folder", silo.Output());
        Assert.DoesNotContain("Authentication:Authority", silo.Output());
    }

    [Fact]
    public async Task The_gateway_refuses_to_start_without_a_token_authority()
    {
        await using var gateway = ServiceProcess.Start("NovaMind.Gateway", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
        });
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("no token authority configured", gateway.Output());
    }

    [Fact]
    public async Task The_gateway_refuses_an_authority_whose_keys_would_come_over_plain_http()
    {
        await using var gateway = ServiceProcess.Start("NovaMind.Gateway", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Authentication__Authority"] = "http://login.example.org/",
        });
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("is not HTTPS", gateway.Output());
    }

    [Fact]
    public async Task A_silo_that_cannot_reach_storage_waits_alive_and_not_ready_then_starts_when_storage_comes()
    {
        var (blob, queue, table) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        var secrets = new TestSecrets();
        var http = new Uri($"http://127.0.0.1:{FreePorts.Next()}/");
        await using var silo = ServiceProcess.Start("NovaMind.Silo", new Dictionary<string, string>
        {
            ["ConnectionStrings__Storage"] = AzuriteServer.ConnectionStringFor(blob, queue, table),
            ["Orleans__ClusterId"] = "e2e-storage-" + Guid.NewGuid().ToString("N")[..8],
            ["NOVAMIND_KEYRING"] = secrets.KeyRingJson,
            ["Audit__CheckpointKey"] = Convert.ToBase64String(secrets.AuditKey),
            ["Privacy__PseudonymKey"] = Convert.ToBase64String(secrets.PseudonymKey),
            ["Orleans__Tls__CertificateFile"] = secrets.ClusterCertificateFile,
            ["Orleans__Tls__AuthorityFile"] = secrets.ClusterAuthorityFile,
            ["Models__Root"] = RepoPaths.Models,
            ["Placement__RequireAccelerator"] = "false",
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(),
            ["ASPNETCORE_URLS"] = http.ToString(),
        });
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await silo.WaitUntilReadyAsync(new Uri(http, "health"), TimeSpan.FromSeconds(60)); // alive
        var ready = await client.GetAsync(new Uri(http, "ready"));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("storage unreachable", await ready.Content.ReadAsStringAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(silo.HasExited, silo.Output());

        await using var azurite = await AzuriteServer.StartAsync(blob, queue, table);
        await silo.WaitUntilReadyAsync(new Uri(http, "ready"), TimeSpan.FromSeconds(90));
        Assert.Contains("Storage unreachable", silo.Output());
    }
}
