using System.Net.Http.Headers;
using Microsoft.IdentityModel.Tokens;
using NovaMind.TestInfrastructure;

namespace NovaMind.EndToEnd.Tests;

/// <summary>
/// The whole system as real processes: Azurite, one silo and two gateways (live updates must cross
/// gateway instances), each on free ports, configured only through environment variables.
/// </summary>
public sealed class NovaMindSystemFixture : IAsyncLifetime
{
    public TestSecrets Secrets { get; } = new();
    public AzuriteServer Azurite { get; private set; } = null!;
    /// <summary>The OpenID Connect authority (discovery document and JWKS over HTTP) the gateways trust.</summary>
    public TestTokenAuthority Tokens { get; private set; } = null!;
    public ServiceProcess Silo { get; private set; } = null!;
    public ServiceProcess GatewayA { get; private set; } = null!;
    public ServiceProcess GatewayB { get; private set; } = null!;
    public Uri GatewayAUrl { get; } = new($"http://127.0.0.1:{FreePorts.Next()}/");
    public string ClusterId { get; } = "e2e-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The silo's own HTTP endpoint (health and readiness).</summary>
    public Uri SiloHttpBaseAddress { get; } = new($"http://127.0.0.1:{FreePorts.Next()}/");
    public Uri GatewayBUrl { get; } = new($"http://127.0.0.1:{FreePorts.Next()}/");
    /// <summary>Gateway B's management port: it serves /metrics there and nowhere else (Metrics:Port).</summary>
    public Uri GatewayBMetricsUrl { get; } = new($"http://127.0.0.1:{FreePorts.Next()}/");

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        Tokens = await TestTokenAuthority.StartAsync();
        var clusterId = ClusterId;
        var common = new Dictionary<string, string>
        {
            ["ConnectionStrings__Storage"] = Azurite.ConnectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Privacy__PseudonymKey"] = Convert.ToBase64String(Secrets.PseudonymKey),
            ["Orleans__Tls__CertificateFile"] = Secrets.ClusterCertificateFile,
            ["Orleans__Tls__AuthorityFile"] = Secrets.ClusterAuthorityFile,
        };
        var siloHttp = SiloHttpBaseAddress;
        Silo = ServiceProcess.Start("NovaMind.Silo", _siloEnvironment = new Dictionary<string, string>(common)
        {
            ["NOVAMIND_KEYRING"] = Secrets.KeyRingJson,
            ["Audit__CheckpointKey"] = Convert.ToBase64String(Secrets.AuditKey),
            ["Models__Root"] = RepoPaths.Models,
            ["Placement__RequireAccelerator"] = "false",
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(),
            ["ASPNETCORE_URLS"] = siloHttp.ToString(),
        });
        await Silo.WaitUntilReadyAsync(new Uri(siloHttp, "ready"), TimeSpan.FromSeconds(90));

        GatewayA = StartGateway(common, GatewayAUrl);
        GatewayB = StartGateway(common, GatewayBUrl, new()
        {
            ["ASPNETCORE_URLS"] = $"{GatewayBUrl};{GatewayBMetricsUrl}",
            ["Metrics__Port"] = GatewayBMetricsUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await Task.WhenAll(
            GatewayA.WaitUntilReadyAsync(new Uri(GatewayAUrl, "ready"), TimeSpan.FromSeconds(90)),
            GatewayB.WaitUntilReadyAsync(new Uri(GatewayBUrl, "ready"), TimeSpan.FromSeconds(90)));
    }

    private Dictionary<string, string> _common = [];
    private Dictionary<string, string> _siloEnvironment = [];

    /// <summary>Another silo process for this cluster and storage, with its own ports and <paramref name="overrides"/>; the caller disposes it.</summary>
    public (ServiceProcess Process, Uri HttpUrl) StartExtraSilo(Dictionary<string, string> overrides)
    {
        var http = new Uri($"http://127.0.0.1:{FreePorts.Next()}/");
        var environment = new Dictionary<string, string>(_siloEnvironment)
        {
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(),
            ["ASPNETCORE_URLS"] = http.ToString(),
        };
        foreach (var (k, v) in overrides) environment[k] = v;
        return (ServiceProcess.Start("NovaMind.Silo", environment), http);
    }

    private ServiceProcess StartGateway(Dictionary<string, string> common, Uri url, Dictionary<string, string>? extra = null)
    {
        _common = common;
        var environment = new Dictionary<string, string>(common)
        {
            ["Authentication__Authority"] = Tokens.Url.ToString(),
            ["Authentication__RequireHttpsMetadata"] = "false", // the test authority serves plain HTTP on loopback
            ["ASPNETCORE_URLS"] = url.ToString(),
            // The suite sends far more than one clinician would as one subject; the limit itself is tested on an extra gateway.
            ["Edge__RequestsPerMinute"] = "100000",
        };
        foreach (var (k, v) in extra ?? []) environment[k] = v;
        return ServiceProcess.Start("NovaMind.Gateway", environment);
    }

    /// <summary>One more gateway on this cluster with extra settings (e.g. tight rate limits); the caller disposes it.</summary>
    public async Task<(ServiceProcess Process, Uri Url)> StartExtraGatewayAsync(Dictionary<string, string> settings)
    {
        var url = new Uri($"http://127.0.0.1:{FreePorts.Next()}/");
        var process = StartGateway(_common, url, settings);
        await process.WaitUntilReadyAsync(new Uri(url, "ready"), TimeSpan.FromSeconds(90));
        return (process, url);
    }

    /// <summary>A token from the test authority; an empty <paramref name="subject"/> leaves out <c>sub</c>.</summary>
    public string Token(string subject = "dr-e2e", string role = "clinician", DateTime? expires = null, SigningCredentials? credentials = null) =>
        Tokens.Token(subject == "" ? null : subject, role, expires, credentials);

    /// <summary>Creates a patient as <paramref name="http"/>'s caller (who joins its care team) and returns its id.</summary>
    public static async Task<Guid> CreatePatientAsync(HttpClient http)
    {
        using var created = await http.PostAsync("api/patients", null);
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(created.Content)).GetProperty("id").GetGuid();
    }

    /// <summary>
    /// Whether <paramref name="text"/> holds the number <paramref name="prefix"/> (or a longer rendering of it) as a number of
    /// its own — not inside another one, such as the seconds of a timestamp ("…:17.3141…" does not count for "7.3141").
    /// </summary>
    public static bool ContainsNumber(string text, string prefix) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, $@"(?<![\d.]){System.Text.RegularExpressions.Regex.Escape(prefix)}");

    public HttpClient Client(Uri? gateway = null, string? token = null)
    {
        var http = new HttpClient { BaseAddress = gateway ?? GatewayAUrl, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token());
        return http;
    }

    public string AllServiceLogs() => Silo.Output() + GatewayA.Output() + GatewayB.Output();

    public async Task DisposeAsync()
    {
        foreach (var p in new[] { GatewayB, GatewayA, Silo })
            if (p is not null) await p.DisposeAsync();
        // The services' logs (pseudonymised, no values) next to the test results, for diagnosing a failed run afterwards.
        try
        {
            var results = Path.Combine(RepoPaths.Root, "artifacts", "test-results");
            Directory.CreateDirectory(results);
            await File.WriteAllTextAsync(Path.Combine(results, "e2e-system-services.log"),
                $"--- silo\n{Silo?.Output()}\n--- gateway A\n{GatewayA?.Output()}\n--- gateway B\n{GatewayB?.Output()}\n");
        }
        catch (IOException) { }
        if (Azurite is not null) await Azurite.DisposeAsync();
        if (Tokens is not null) await Tokens.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<NovaMindSystemFixture>
{
    public const string Name = "NovaMind system";
}
