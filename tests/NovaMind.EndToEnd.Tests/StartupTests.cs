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
    public async Task The_gateway_refuses_to_start_without_a_token_signing_key()
    {
        await using var gateway = ServiceProcess.Start("NovaMind.Gateway", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePorts.Next()}",
        });
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("no token signing key configured", gateway.Output());
    }
}
