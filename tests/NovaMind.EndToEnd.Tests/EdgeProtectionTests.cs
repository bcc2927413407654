using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace NovaMind.EndToEnd.Tests;

/// <summary>Abuse and overload at the edge: limits answer 429/413/503 quickly, never 500; strict JSON; no caching of patient data.</summary>
[Collection(SystemCollection.Name)]
public sealed class EdgeProtectionTests(NovaMindSystemFixture system)
{
    private static Task<Guid> CreatePatientAsync(HttpClient http) => NovaMindSystemFixture.CreatePatientAsync(http);

    [Fact]
    public async Task A_burst_of_200_parallel_model_calls_on_one_patient_gets_quick_429s_and_no_500()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync($"api/patients/{id}/correlations");
            return (response.StatusCode, watch.Elapsed, RetryAfter: response.Headers.RetryAfter?.Delta);
        }));
        Assert.DoesNotContain(results, r => (int)r.StatusCode >= 500 && r.StatusCode != HttpStatusCode.ServiceUnavailable);
        var refused = results.Where(r => r.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable).ToList();
        Assert.True(refused.Count >= 150, $"only {refused.Count} of 200 were refused");
        Assert.All(refused, r => Assert.NotNull(r.RetryAfter));
        Assert.True(refused.Max(r => r.Elapsed) < TimeSpan.FromSeconds(5), $"slowest refusal {refused.Max(r => r.Elapsed)}"); // 1 s is the target; loaded CI has slack
        var median = refused.Select(r => r.Elapsed).Order().ElementAt(refused.Count / 2);
        // A refusal takes milliseconds alone (docs/benchmarks.md); this only catches refusals that queue behind the work.
        Assert.True(median < TimeSpan.FromSeconds(2), $"median refusal {median}");
        // Another clinician's read on the same patient is not blocked by the burst.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"api/patients/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_caller_over_the_rate_limit_gets_429_with_Retry_After()
    {
        var (gateway, url) = await system.StartExtraGatewayAsync(new() { ["Edge__RequestsPerMinute"] = "60" });
        await using var _ = gateway;
        using var http = system.Client(url, system.Token($"dr-burst-{Guid.NewGuid():N}"));
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 100; i++) statuses.Add(await http.GetAsync("api/patients"));
        Assert.DoesNotContain(statuses, r => (int)r.StatusCode >= 500);
        var limited = statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 20, 45); // 60 in the bucket, about one more per second
        Assert.All(limited, r => Assert.NotNull(r.Headers.RetryAfter));
        // Probes are never limited.
        using var probe = new HttpClient { BaseAddress = url };
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("health")).StatusCode);
        // Another caller has a bucket of their own.
        using var other = system.Client(url, system.Token($"dr-calm-{Guid.NewGuid():N}"));
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("api/patients")).StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_changes_nothing()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        // Announce a 20 MiB body and read the answer before sending it: Kestrel answers as soon as it knows the size.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(system.GatewayAUrl.Host, system.GatewayAUrl.Port);
        var stream = tcp.GetStream();
        var head = $"POST /api/patients/{id}/observations HTTP/1.1\r\nHost: {system.GatewayAUrl.Authority}\r\n" +
                   $"Authorization: Bearer {system.Token()}\r\nContent-Type: application/json\r\nContent-Length: {20 * 1024 * 1024}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(Encoding.ASCII.GetBytes("{\"observations\":["));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.StartsWith("HTTP/1.1 413", answer);
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}")).GetProperty("total_observations").GetInt32());
    }

    [Theory]
    [InlineData("""{"observations":[{"time":"2026-06-01T08:00:00Z","type":"mood","value":"5"}]}""", "value")]
    [InlineData("""{"observations":[{"time":"2026-06-01T08:00:00Z","type":"mood","value":5,"valeu":6}]}""", "valeu")]
    [InlineData("""{"observations":[{"time":"2026-06-01T08:00:00Z","type":"mood","value":5,"value":6}]}""", "value")]
    public async Task Strict_json_names_what_is_wrong_and_stores_nothing(string body, string named)
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var response = await http.PostAsync($"api/patients/{id}/observations", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}")).GetProperty("total_observations").GetInt32());
    }

    [Fact]
    public async Task Patient_data_is_never_cached_or_sniffed()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var response = await http.GetAsync($"api/patients/{id}");
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Tokens_must_expire_soon_enough_and_use_the_expected_algorithm()
    {
        using var forever = system.Client(token: system.Token(expires: DateTime.UtcNow.AddYears(100)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forever.GetAsync("api/patients")).StatusCode);
        using var hs512 = system.Client(token: system.Token(credentials: new Microsoft.IdentityModel.Tokens.SigningCredentials(
            new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)), Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha512)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await hs512.GetAsync("api/patients")).StatusCode);
        using var noSubject = system.Client(token: system.Token(subject: ""));
        Assert.NotEqual(HttpStatusCode.OK, (await noSubject.GetAsync("api/patients")).StatusCode);
        var response = await forever.GetAsync("api/patients");
        Assert.DoesNotContain("lifetime", response.Headers.WwwAuthenticate.ToString(), StringComparison.OrdinalIgnoreCase); // no error details
    }
}
