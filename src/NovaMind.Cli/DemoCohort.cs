using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using NovaMind.Simulation;

namespace NovaMind.Cli;

/// <summary>
/// Seeds a small synthetic cohort through the public API (the same path an app uses), once: the ids are
/// remembered in the dev folder, and seeding is skipped while the first of them still exists.
/// </summary>
public sealed class DemoCohort(HttpClient http, DevSecrets secrets, TextWriter output)
{
    /// <summary>The clinician the README's token command names; on every demo patient's care team.</summary>
    public const string DemoClinician = "dr-a";

    private string CohortFile => Path.Combine(secrets.Home, "demo-cohort.json");

    public async Task<IReadOnlyList<Guid>> EnsureSeededAsync(int patients, int days, int seed, CancellationToken ct)
    {
        var token = DevTokens.Create(secrets, "demo-seeder", ["clinician"], TimeSpan.FromMinutes(30));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (File.Exists(CohortFile))
        {
            var known = JsonSerializer.Deserialize<List<Guid>>(await File.ReadAllTextAsync(CohortFile, ct)) ?? [];
            if (known.Count > 0 && (await http.GetAsync($"api/patients/{known[0]}", ct)).StatusCode == HttpStatusCode.OK)
            {
                output.WriteLine($"demo cohort present ({known.Count} patients)");
                return known;
            }
        }

        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        // The forecasting simulator: daily mood, PHQ-9 and GAD-7 with biometrics, what the served forecaster was trained on.
        var cohort = new SymptomCohortSimulator(seed).Simulate(patients, days, yesterday).Patients;
        var ids = new List<Guid>();
        foreach (var patient in cohort)
        {
            var created = await http.PostAsync("api/patients", null, ct);
            created.EnsureSuccessStatusCode();
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
            var body = new
            {
                observations = patient.Observations.Select(o => new { time = o.Time.ToString("O"), type = o.Type.Name, value = o.Value }),
            };
            // The demo clinician of the README (./novamind token --sub dr-a) joins each demo patient's care team.
            (await http.PutAsync($"api/patients/{id}/care-team/{DemoClinician}", null, ct)).EnsureSuccessStatusCode();
            var posted = await http.PostAsJsonAsync($"api/patients/{id}/observations", body, ct);
            if (!posted.IsSuccessStatusCode)
                throw new InvalidOperationException($"seeding patient {patient.Index} failed: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync(ct)}");
            ids.Add(id);
            output.WriteLine($"demo patient {id}: {patient.Observations.Count} observations over {days} days");
        }
        await File.WriteAllTextAsync(CohortFile, JsonSerializer.Serialize(ids), ct);
        return ids;
    }
}
