using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace NovaMind.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class CareTeamApiTests(NovaMindSystemFixture system)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Task<Guid> CreatePatientAsync(HttpClient http) => NovaMindSystemFixture.CreatePatientAsync(http);

    private static async Task<Guid[]> MyPatientsAsync(HttpClient http) =>
        [.. (await http.GetFromJsonAsync<JsonElement>("api/patients?limit=200")).GetProperty("patients").EnumerateArray().Select(e => e.GetGuid())];

    [Fact]
    public async Task Members_see_the_patient_others_do_not_until_added_and_not_after_removal()
    {
        var a = $"dr-a-{Guid.NewGuid():N}";
        var b = $"dr-b-{Guid.NewGuid():N}";
        using var asA = system.Client(token: system.Token(a));
        using var asB = system.Client(token: system.Token(b));
        var id = await CreatePatientAsync(asA);

        Assert.Contains(id, await MyPatientsAsync(asA));
        Assert.DoesNotContain(id, await MyPatientsAsync(asB));
        Assert.Equal(HttpStatusCode.NotFound, (await asB.GetAsync($"api/patients/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asB.PutAsync($"api/patients/{id}/care-team/{b}", null)).StatusCode); // cannot add oneself

        var added = await asA.PutAsync($"api/patients/{id}/care-team/{b}", null);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal([a, b], (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await asB.GetAsync($"api/patients/{id}")).StatusCode);
        Assert.Contains(id, await MyPatientsAsync(asB));

        Assert.Equal(HttpStatusCode.OK, (await asB.DeleteAsync($"api/patients/{id}/care-team/{b}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asB.GetAsync($"api/patients/{id}")).StatusCode);
        Assert.DoesNotContain(id, await MyPatientsAsync(asB));

        var last = await asA.DeleteAsync($"api/patients/{id}/care-team/{a}");
        Assert.Equal(HttpStatusCode.Conflict, last.StatusCode);
        Assert.Contains("last member", await last.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await asA.PutAsync($"api/patients/{id}/care-team/{Uri.EscapeDataString("has space")}", null)).StatusCode);
        using var oddSubject = system.Client(token: system.Token("has space"));
        Assert.Equal(HttpStatusCode.BadRequest, (await oddSubject.PostAsync("api/patients", null)).StatusCode);
    }

    [Fact]
    public async Task A_coordinator_manages_care_teams_but_sees_no_clinical_data()
    {
        using var owner = system.Client();
        var id = await CreatePatientAsync(owner);
        using var coordinator = system.Client(token: system.Token("coord-e2e", "care_coordinator"));
        var newcomer = $"dr-new-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.OK, (await coordinator.PutAsync($"api/patients/{id}/care-team/{newcomer}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await coordinator.GetAsync($"api/patients/{id}/care-team")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.GetAsync($"api/patients/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.GetAsync($"api/patients/{Guid.NewGuid()}")).StatusCode); // same answer: no oracle
        Assert.Equal(HttpStatusCode.NotFound, (await coordinator.GetAsync($"api/patients/{Guid.NewGuid()}/care-team")).StatusCode);

        using var asNewcomer = system.Client(token: system.Token(newcomer));
        Assert.Equal(HttpStatusCode.OK, (await asNewcomer.GetAsync($"api/patients/{id}")).StatusCode);
    }

    [Fact]
    public async Task Break_glass_needs_a_reason_and_grants_time_bounded_access()
    {
        using var owner = system.Client();
        var id = await CreatePatientAsync(owner);
        var er = $"dr-er-{Guid.NewGuid():N}";
        using var emergency = system.Client(token: system.Token(er));
        Assert.Equal(HttpStatusCode.NotFound, (await emergency.GetAsync($"api/patients/{id}")).StatusCode);

        var noReason = await emergency.PostAsync($"api/patients/{id}/break-glass", Json("""{"reason":""}"""));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason is required", await noReason.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await emergency.PostAsync($"api/patients/{id}/break-glass", Json("""{"reason":"unconscious in the ER, no history","minutes":5000}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await emergency.PostAsync($"api/patients/{Guid.NewGuid()}/break-glass", Json("""{"reason":"unconscious in the ER, no history"}"""))).StatusCode);

        var granted = await emergency.PostAsync($"api/patients/{id}/break-glass", Json("""{"reason":"unconscious in the ER, no history","minutes":30}"""));
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var grant = (await granted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("grants").EnumerateArray().Single(g => g.GetProperty("subject").GetString() == er);
        Assert.Equal(30, (grant.GetProperty("expires_at").GetDateTimeOffset() - grant.GetProperty("granted_at").GetDateTimeOffset()).TotalMinutes, 3);
        Assert.Equal(HttpStatusCode.OK, (await emergency.GetAsync($"api/patients/{id}")).StatusCode);
        // Emergency access is to the patient's data, not to the care team's membership.
        Assert.Equal(HttpStatusCode.NotFound, (await emergency.PutAsync($"api/patients/{id}/care-team/{er}", null)).StatusCode);
        Assert.DoesNotContain(id, await MyPatientsAsync(emergency));
    }
}
