using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NovaMind.TestInfrastructure;

namespace NovaMind.EndToEnd.Tests;

/// <summary>
/// Orleans mutual TLS: a process that reaches the same storage and cluster id but holds a certificate from another
/// authority cannot join as a silo (nor act as a gateway), and the real cluster keeps serving throughout.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ClusterTlsTests(NovaMindSystemFixture system)
{
    [Fact]
    public async Task A_rogue_silo_with_a_foreign_certificate_is_refused_and_the_real_silo_stays_up()
    {
        var (certificate, authority) = TestSecrets.WriteClusterCertificates("rogue");
        var (rogue, rogueHttp) = system.StartExtraSilo(new()
        {
            ["Orleans__Tls__CertificateFile"] = certificate,
            ["Orleans__Tls__AuthorityFile"] = authority,
        });
        await using var _ = rogue;
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var clinician = system.Client();

        var deadline = DateTime.UtcNow.AddSeconds(45);
        var rogueReady = false;
        while (DateTime.UtcNow < deadline && !rogue.HasExited)
        {
            try { rogueReady |= (await probe.GetAsync(new Uri(rogueHttp, "ready"))).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { } // not listening (yet, or any more)
            // The real cluster serves all the while.
            var id = await NovaMindSystemFixture.CreatePatientAsync(clinician);
            Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync($"api/patients/{id}")).StatusCode);
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        Assert.False(rogueReady, "the rogue silo became an active member:\n" + rogue.Output());

        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync(new Uri(system.SiloHttpBaseAddress, "ready"))).StatusCode);
        var after = await NovaMindSystemFixture.CreatePatientAsync(clinician);
        Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync($"api/patients/{after}")).StatusCode);
    }

    [Fact]
    public async Task A_gateway_with_a_foreign_certificate_never_reaches_the_cluster()
    {
        var (certificate, authority) = TestSecrets.WriteClusterCertificates("rogue-gateway");
        var url = new Uri($"http://127.0.0.1:{FreePorts.Next()}/");
        await using var gateway = ServiceProcess.Start("NovaMind.Gateway", new Dictionary<string, string>
        {
            ["ConnectionStrings__Storage"] = system.Azurite.ConnectionString,
            ["Orleans__ClusterId"] = system.ClusterId,
            ["Privacy__PseudonymKey"] = Convert.ToBase64String(system.Secrets.PseudonymKey),
            ["Authentication__Authority"] = system.Tokens.Url.ToString(),
            ["Authentication__RequireHttpsMetadata"] = "false",
            ["Orleans__Tls__CertificateFile"] = certificate,
            ["Orleans__Tls__AuthorityFile"] = authority,
            ["ASPNETCORE_URLS"] = url.ToString(),
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var served = false;
        for (var i = 0; i < 10 && !gateway.HasExited; i++)
        {
            try
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", system.Token());
                served |= (await http.GetAsync(new Uri(url, "api/patients"))).StatusCode == HttpStatusCode.OK;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        Assert.False(served, "a gateway with a foreign certificate served patient data:\n" + gateway.Output());
    }
}
