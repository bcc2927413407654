using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using NovaMind.Domain.Privacy;
using NovaMind.Grains.Audit;
using NovaMind.Grains.Persistence;

namespace NovaMind.EndToEnd.Tests;

/// <summary>A wearable's minute-level stream through the API: stored beyond the old limit, exported page by page, erased.</summary>
[Collection(SystemCollection.Name)]
public sealed class ObservationHistoryApiTests(NovaMindSystemFixture system)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static StringContent Minutes(int from, int count, string type = "resting_hr") => new(JsonSerializer.Serialize(new
    {
        observations = Enumerable.Range(from, count).Select(m => new { time = Start.AddMinutes(m).ToString("O"), type, value = 50 + m % 40 }),
    }), Encoding.UTF8, "application/json");

    [Fact]
    public async Task Forty_five_thousand_minutes_of_heart_rate_are_stored_summarised_and_exported_exactly()
    {
        using var http = system.Client();
        var id = await NovaMindSystemFixture.CreatePatientAsync(http);
        const int total = 45_000; // beyond where one entity per twin failed (~40,000)
        for (var from = 0; from < total; from += 5_000)
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"api/patients/{id}/observations", Minutes(from, 5_000))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"api/patients/{id}/observations", Minutes(0, 3, "steps"))).StatusCode);

        var summary = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}");
        Assert.Equal(total + 3, summary.GetProperty("total_observations").GetInt32());

        // Export one day of heart rate in pages of 500: every minute once, in order, values as sent.
        var url = $"api/patients/{id}/observations?type=resting_hr&from={Uri.EscapeDataString(Start.AddDays(1).ToString("O"))}&to={Uri.EscapeDataString(Start.AddDays(2).AddMilliseconds(-1).ToString("O"))}&limit=500";
        var exported = new List<(DateTimeOffset Time, double Value)>();
        var pages = 0;
        for (string? next = url; next is not null; pages++)
        {
            var page = await http.GetFromJsonAsync<JsonElement>(next.TrimStart('/'));
            exported.AddRange(page.GetProperty("observations").EnumerateArray().Select(o => (o.GetProperty("time").GetDateTimeOffset(), o.GetProperty("value").GetDouble())));
            next = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
        }
        Assert.Equal(1440, exported.Count);
        Assert.True(pages >= 3);
        Assert.Equal(Enumerable.Range(1440, 1440).Select(m => (Start.AddMinutes(m), 50.0 + m % 40)), exported);

        // Without a type: every type, by type then time.
        var all = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/observations?from={Uri.EscapeDataString(Start.ToString("O"))}&to={Uri.EscapeDataString(Start.AddMinutes(1).ToString("O"))}");
        Assert.Equal(["resting_hr", "resting_hr", "steps", "steps"], all.GetProperty("observations").EnumerateArray().Select(o => o.GetProperty("type").GetString()));
    }

    [Theory]
    [InlineData("type=heart", "type")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=10001", "limit")]
    [InlineData("cursor=abc", "cursor")]
    public async Task Bad_export_parameters_are_400s_naming_the_parameter(string query, string parameter)
    {
        using var http = system.Client();
        var id = await NovaMindSystemFixture.CreatePatientAsync(http);
        var response = await http.GetAsync($"api/patients/{id}/observations?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"Invalid {parameter}", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Erasing_a_patient_removes_the_twin_its_history_and_its_care_team_and_leaves_only_the_pseudonymous_fact()
    {
        using var http = system.Client();
        var id = await NovaMindSystemFixture.CreatePatientAsync(http);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"api/patients/{id}/observations", Minutes(0, 3000))).StatusCode);
        using var other = system.Client(token: system.Token("dr-other-eraser"));
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"api/patients/{id}")).StatusCode); // outside the team

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/patients/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/patients/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/patients/{id}/observations")).StatusCode);
        var mine = await http.GetFromJsonAsync<JsonElement>("api/patients?limit=200");
        Assert.DoesNotContain(id, mine.GetProperty("patients").EnumerateArray().Select(p => p.GetGuid()));

        var tables = new TableServiceClient(system.Azurite.ConnectionString);
        var chunks = 0;
        await foreach (var _ in tables.GetTableClient(ObservationHistoryStore.TableName).QueryAsync<TableEntity>(e => e.PartitionKey == id.ToString("N"))) chunks++;
        Assert.Equal(0, chunks);
        var pseudonym = new PatientPseudonymizer(system.Secrets.PseudonymKey).Pseudonym(id);
        // The outcome of a change follows its durable "attempt" record through the gateway's audit queue, moments later.
        var store = new AuditStore(tables, system.Secrets.AuditKey);
        bool Erased(IEnumerable<NovaMind.Domain.Audit.AuditRecord> records) => records.Any(r => r.Entry.Patient == pseudonym && r.Entry.Action == "erase_patient" && r.Entry.Outcome == "204");
        var (records, _, _) = await store.ReadAllAsync();
        for (var attempt = 0; attempt < 50 && !Erased(records); attempt++)
        {
            await Task.Delay(100);
            (records, _, _) = await store.ReadAllAsync();
        }
        Assert.Contains(records, r => r.Entry.Patient == pseudonym && r.Entry.Action == "erase_patient" && r.Entry.Outcome == "attempt");
        Assert.True(Erased(records), "the erasure's outcome was not recorded");
    }
}
