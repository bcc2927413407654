using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace NovaMind.EndToEnd.Tests;

/// <summary>GET /api/patients/{id}/insights over real HTTP against the real silo: the parts equal the single-part endpoints, and recommendations follow from them.</summary>
[Collection(SystemCollection.Name)]
public sealed class InsightsApiTests(NovaMindSystemFixture system)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Insights_gather_the_three_parts_and_derive_recommendations_citing_them()
    {
        using var http = system.Client();
        var id = await NovaMindSystemFixture.CreatePatientAsync(http);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"api/patients/{id}/observations", Json(CorrelationApiTests.PlantedBody()))).StatusCode);
        // CYP2C19 ultrarapid and taking escitalopram: CPIC (2023) suggests an alternative not mainly metabolised by CYP2C19.
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"api/patients/{id}/genotype", Json("""{"CYP2C19":"*17/*17","CYP2D6":"*1/*1","CYP2B6":"*1/*1"}"""))).StatusCode);
        var start = DateTime.UtcNow.Date.AddDays(-60).ToString("yyyy-MM-dd");
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"api/patients/{id}/medications", Json($$"""{"current":[{"drug":"escitalopram","dose_mg":10,"start":"{{start}}"}],"history":[]}"""))).StatusCode);

        var insights = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/insights?symptoms=mood&lookback_days=110&forecast_days=7");
        var parts = insights.GetProperty("parts");

        // Forecast part: the same forecast the forecast endpoint serves (the second call is answered from the twin's cache).
        var forecastPart = parts.GetProperty("forecast");
        Assert.Equal("ok", forecastPart.GetProperty("status").GetString());
        var mood = Assert.Single(forecastPart.GetProperty("symptoms").EnumerateArray());
        Assert.Equal("mood", mood.GetProperty("symptom").GetString());
        var direct = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/forecast?symptom=mood&horizon=7");
        Assert.Equal(direct.GetProperty("predictions").GetRawText(), mood.GetProperty("forecast").GetProperty("predictions").GetRawText());
        Assert.Equal(direct.GetProperty("model_version").GetString(), forecastPart.GetProperty("model_version").GetString());

        // Correlations part: every pair and lag, the planted sleep → mood lag 2 among them and significant.
        var correlations = parts.GetProperty("correlations");
        Assert.Equal("ok", correlations.GetProperty("status").GetString());
        var rows = correlations.GetProperty("report").GetProperty("correlations").EnumerateArray().ToList();
        Assert.Contains(rows, r => r.GetProperty("biometric_type").GetString() == "sleep_hours" && r.GetProperty("symptom_type").GetString() == "mood"
                                   && r.GetProperty("lag_days").GetInt32() == 2 && r.GetProperty("q_value").GetDouble() < 1e-6);
        Assert.Contains(rows, r => r.GetProperty("q_value").GetDouble() > 0.05); // not only the significant cells: the heatmap needs them all

        // Medications part: the default candidates (current first, then the usual first-line drugs), ranked as the ranking endpoint ranks them.
        var medications = parts.GetProperty("medications");
        Assert.Equal("ok", medications.GetProperty("status").GetString());
        var candidates = medications.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(["escitalopram", "citalopram", "sertraline", "venlafaxine"], candidates);
        var ranking = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/medications/recommendations?candidates={string.Join(',', candidates)}");
        Assert.Equal(ranking.GetProperty("ranked").EnumerateArray().Select(r => (r.GetProperty("medication").GetString(), r.GetProperty("guideline_category").GetString())),
            medications.GetProperty("ranked").EnumerateArray().Select(r => (r.GetProperty("medication").GetString(), r.GetProperty("guideline_category").GetString())));

        var recommendations = insights.GetProperty("integrated_recommendations").EnumerateArray().ToList();
        var pgx = Assert.Single(recommendations, r => r.GetProperty("rule").GetString() == "current_drug_pgx_flag");
        Assert.Contains("current escitalopram: CPIC category alternative", pgx.GetProperty("text").GetString());
        Assert.Contains("CYP2C19 Ultrarapid Metabolizer", pgx.GetProperty("text").GetString());
        Assert.Equal("guideline", pgx.GetProperty("basis").GetString());
        Assert.False(pgx.GetProperty("estimate").GetBoolean());
        Assert.Equal("medications", Assert.Single(pgx.GetProperty("sources").EnumerateArray()).GetProperty("part").GetString());
        var sleep = Assert.Single(recommendations, r => r.GetProperty("rule").GetString() == "significant_lag_correlation" && r.GetProperty("text").GetString()!.StartsWith("sleep_hours → mood at lag 2"));
        Assert.Contains("review sleep", sleep.GetProperty("text").GetString());
        Assert.Equal("statistical_association", sleep.GetProperty("basis").GetString());

        // Asked again with nothing changed: every part from the twin's cache, with its age and model version.
        var again = (await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/insights?symptoms=mood&lookback_days=110&forecast_days=7")).GetProperty("parts");
        foreach (var part in new[] { "forecast", "correlations", "medications" })
        {
            Assert.Equal("cached", again.GetProperty(part).GetProperty("status").GetString());
            Assert.True(again.GetProperty(part).GetProperty("age_seconds").GetDouble() >= 0);
            Assert.False(string.IsNullOrEmpty(again.GetProperty(part).GetProperty("model_version").GetString()));
        }
    }

    [Fact]
    public async Task Only_the_requested_parts_are_answered()
    {
        using var http = system.Client();
        var id = await NovaMindSystemFixture.CreatePatientAsync(http);
        var insights = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/insights?include=forecast,medications&symptoms=phq9");
        var parts = insights.GetProperty("parts");
        Assert.False(parts.TryGetProperty("correlations", out _));
        Assert.Equal("insufficient_data", parts.GetProperty("forecast").GetProperty("status").GetString());
        Assert.Contains("phq9", parts.GetProperty("forecast").GetProperty("problem").GetString());
        Assert.Equal("insufficient_data", parts.GetProperty("medications").GetProperty("status").GetString());
        Assert.Empty(insights.GetProperty("integrated_recommendations").EnumerateArray());
    }

    [Theory]
    [InlineData("forecast_days=0", "forecast_days")]
    [InlineData("forecast_days=abc", "forecast_days")]
    [InlineData("lookback_days=1000", "lookback_days")]
    [InlineData("include=forecast,horoscope", "include")]
    [InlineData("symptoms=phq9,anger", "symptoms")]
    [InlineData("candidates=sertraline,unobtainium", "candidates")]
    public async Task Bad_options_are_a_400_naming_the_parameter(string query, string parameter)
    {
        using var http = system.Client();
        var id = await NovaMindSystemFixture.CreatePatientAsync(http);
        var response = await http.GetAsync($"api/patients/{id}/insights?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString());
    }
}
