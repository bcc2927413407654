using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using NovaMind.Domain.Privacy;
using NovaMind.Grains.Audit;

namespace NovaMind.EndToEnd.Tests;

/// <summary>What reaches the audit chain when clinicians use the API: who, what, which patient (pseudonym), outcome — never values.</summary>
[Collection(SystemCollection.Name)]
public sealed class AuditTrailApiTests(NovaMindSystemFixture system)
{
    private const double Marker = 7.3141592653589;

    [Fact]
    public async Task Reads_changes_denials_and_break_glass_are_recorded_without_clinical_values()
    {
        using var member = system.Client();
        var id = await NovaMindSystemFixture.CreatePatientAsync(member);
        var observation = JsonSerializer.Serialize(new { observations = new[] { new { time = "2026-06-01T08:00:00Z", type = "mood", value = Marker } } });
        Assert.Equal(HttpStatusCode.Accepted, (await member.PostAsync($"api/patients/{id}/observations", new StringContent(observation, Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"api/patients/{id}")).StatusCode);

        var er = $"dr-er-{Guid.NewGuid():N}";
        using var emergency = system.Client(token: system.Token(er));
        Assert.Equal(HttpStatusCode.NotFound, (await emergency.GetAsync($"api/patients/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emergency.PostAsync($"api/patients/{id}/break-glass",
            new StringContent("""{"reason":"unconscious in the ER, no history","minutes":15}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emergency.GetAsync($"api/patients/{id}")).StatusCode);

        var store = new AuditStore(new TableServiceClient(system.Azurite.ConnectionString), system.Secrets.AuditKey);
        var pseudonym = new PatientPseudonymizer(system.Secrets.PseudonymKey).Pseudonym(id);
        // Allowed reads reach the chain through the gateway's queue, moments after their response: wait for all seven,
        // then read them in the order they happened (each record carries its time).
        var (records, _, _) = await store.ReadAllAsync();
        for (var attempt = 0; attempt < 50 && records.Count(r => r.Entry.Patient == pseudonym) < 7; attempt++)
        {
            await Task.Delay(100);
            (records, _, _) = await store.ReadAllAsync();
        }
        var mine = records.Select(r => r.Entry).Where(e => e.Patient == pseudonym).OrderBy(e => e.Time).ToList();
        Assert.Equal(
            [
                ("dr-e2e", "add_observations", "attempt", false), ("dr-e2e", "add_observations", "202", false),
                ("dr-e2e", "read_clinical", "200", false),
                (er, "read_clinical", "denied_not_found", false),
                (er, "break_glass", "attempt", true), (er, "break_glass", "200", true),
                (er, "read_clinical", "200", true),
            ],
            mine.Select(e => (e.Subject, e.Action, e.Outcome, e.BreakGlass)));
        Assert.All(mine, e => Assert.Equal(["clinician"], e.Roles));
        Assert.Contains(mine, e => e.Resource == "GET /api/patients/{id}");
        Assert.All(mine, e => Assert.False(string.IsNullOrEmpty(e.TraceId)));

        // No clinical value and no raw patient id anywhere in the chain.
        Assert.DoesNotContain(records, r => NovaMindSystemFixture.ContainsNumber(r.Payload, "7.314") || r.Payload.Contains(id.ToString(), StringComparison.OrdinalIgnoreCase));
        var verification = await store.VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task Refused_tokens_are_recorded_by_route_and_reason_without_the_patient_id()
    {
        var patient = Guid.NewGuid();
        async Task<string> Send(string? token)
        {
            var traceId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            using var http = new HttpClient { BaseAddress = system.GatewayAUrl };
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/patients/{patient}");
            request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-01");
            if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(request)).StatusCode);
            return traceId;
        }
        var none = await Send(null);
        var expired = await Send(system.Token(expires: DateTime.UtcNow.AddMinutes(-10)));

        var store = new AuditStore(new TableServiceClient(system.Azurite.ConnectionString), system.Secrets.AuditKey);
        Dictionary<string, NovaMind.Domain.Audit.AuditEntry> byTrace = [];
        for (var attempt = 0; attempt < 50 && byTrace.Count < 2; attempt++)
        {
            if (attempt > 0) await Task.Delay(100);
            byTrace = (await store.ReadAllAsync()).Records.Select(r => r.Entry).Where(e => e.TraceId == none || e.TraceId == expired).ToDictionary(e => e.TraceId!);
        }
        Assert.Equal(("anonymous", "authenticate", "GET /api/patients/{id}", "denied_no_token"),
            (byTrace[none].Subject, byTrace[none].Action, byTrace[none].Resource, byTrace[none].Outcome));
        Assert.Equal("denied_invalid_token SecurityTokenInvalidLifetimeException", byTrace[expired].Outcome);
        Assert.All(byTrace.Values, e => Assert.Null(e.Patient));
        Assert.All(byTrace.Values, e => Assert.DoesNotContain(patient.ToString(), e.Resource, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Reads_still_queued_when_a_gateway_is_stopped_reach_the_chain_before_it_exits()
    {
        var (gateway, url) = await system.StartExtraGatewayAsync([]);
        await using var _ = gateway;
        using var http = system.Client(url);
        var id = await NovaMindSystemFixture.CreatePatientAsync(http);
        const int reads = 200;
        var answers = await Task.WhenAll(Enumerable.Range(0, reads).Select(_ => http.GetAsync($"api/patients/{id}")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(0, await gateway.StopGracefullyAsync(TimeSpan.FromSeconds(60))); // right after the answers: whatever is still queued is flushed on the way out

        var store = new AuditStore(new TableServiceClient(system.Azurite.ConnectionString), system.Secrets.AuditKey);
        var pseudonym = new PatientPseudonymizer(system.Secrets.PseudonymKey).Pseudonym(id);
        var (records, _, _) = await store.ReadAllAsync();
        Assert.Equal(reads, records.Count(r => r.Entry.Patient == pseudonym && r.Entry.Action == "read_clinical" && r.Entry.Outcome == "200"));
    }

    [Theory]
    [InlineData("{\"value\":7.3141592653589}", true)]
    [InlineData("mood 7.314 stored", true)]
    [InlineData("{\"time\":\"2026-11-30T20:20:17.314362+00:00\"}", false)] // a timestamp's seconds, not the value
    [InlineData("{\"time\":\"2026-11-30T20:20:07.314362+00:00\"}", false)]
    public void The_value_check_finds_the_number_itself_not_digits_inside_another(string text, bool found) =>
        Assert.Equal(found, NovaMindSystemFixture.ContainsNumber(text, "7.314"));
}
