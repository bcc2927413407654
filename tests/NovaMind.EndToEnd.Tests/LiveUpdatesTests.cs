using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace NovaMind.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class LiveUpdatesTests(NovaMindSystemFixture system)
{
    private const double MarkerValue = 7.3141;

    private async Task<HubConnection> ConnectAsync(Uri gateway)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(gateway, "hubs/twins"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(system.Token()))
            .Build();
        await hub.StartAsync();
        return hub;
    }

    private static Task<Guid> CreatePatientAsync(HttpClient http) => NovaMindSystemFixture.CreatePatientAsync(http);

    [Fact]
    public async Task A_clinician_watching_on_one_gateway_sees_observations_ingested_through_another_within_2_seconds()
    {
        using var viaB = system.Client(system.GatewayBUrl);
        var id = await CreatePatientAsync(viaB);
        var other = await CreatePatientAsync(viaB);

        await using var hub = await ConnectAsync(system.GatewayAUrl);
        var updates = new List<JsonElement>();
        var received = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("twinUpdated", u =>
        {
            lock (updates) updates.Add(u);
            if (u.GetProperty("patient_id").GetGuid() == id) received.TrySetResult(u);
        });
        await hub.InvokeAsync("Subscribe", id.ToString());

        // Another patient's data must not reach this subscriber.
        var body = $"{{\"observations\":[{{\"time\":\"2026-04-01T08:00:00Z\",\"type\":\"mood\",\"value\":{MarkerValue}}},{{\"time\":\"2026-04-01T07:00:00Z\",\"type\":\"sleep_hours\",\"value\":6.5}}]}}";
        Assert.Equal(HttpStatusCode.Accepted, (await viaB.PostAsync($"api/patients/{other}/observations", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);
        var started = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.Accepted, (await viaB.PostAsync($"api/patients/{id}/observations", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);

        var update = await received.Task.WaitAsync(TimeSpan.FromSeconds(2) - (DateTime.UtcNow - started) + TimeSpan.FromMilliseconds(50));
        Assert.Equal(2, update.GetProperty("accepted").GetInt32());
        Assert.Equal(2, update.GetProperty("total_observations").GetInt32());
        await Task.Delay(500);
        lock (updates) Assert.All(updates, u => Assert.Equal(id, u.GetProperty("patient_id").GetGuid()));
    }

    [Fact]
    public async Task The_hub_rejects_anonymous_connections_and_malformed_patient_ids()
    {
        var anonymous = new HubConnectionBuilder().WithUrl(new Uri(system.GatewayAUrl, "hubs/twins")).Build();
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => anonymous.StartAsync());
        Assert.Contains("401", ex.Message);

        await using var hub = await ConnectAsync(system.GatewayAUrl);
        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", "not-a-guid"));
        Assert.Contains("not a GUID", error.Message);
    }

    [Fact]
    public async Task Service_logs_carry_neither_patient_ids_nor_observation_values()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var body = $"{{\"observations\":[{{\"time\":\"2026-04-02T08:00:00Z\",\"type\":\"mood\",\"value\":{MarkerValue}}}]}}";
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"api/patients/{id}/observations", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);
        await http.GetAsync($"api/patients/{id}");
        await http.GetAsync($"api/patients/{id}/forecast?horizon=3");
        await Task.Delay(1000); // let the processes flush

        var logs = system.AllServiceLogs();
        Assert.Contains("stored 1 observations", logs); // the twin did log the event…
        Assert.DoesNotContain(id.ToString(), logs, StringComparison.OrdinalIgnoreCase); // …without the id
        Assert.DoesNotContain(id.ToString("N"), logs, StringComparison.OrdinalIgnoreCase);
        Assert.False(NovaMindSystemFixture.ContainsNumber(logs, MarkerValue.ToString(System.Globalization.CultureInfo.InvariantCulture)), "the value reached the logs");
    }
}
