using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class PgxApiTests(NovaMindSystemFixture system)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<Guid> CreatePatientAsync(HttpClient http) =>
        (await (await http.PostAsync("api/patients", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

    [Fact]
    public async Task Genotype_is_validated_stored_and_turned_into_metabolizer_status()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var put = await http.PutAsync($"api/patients/{id}/genotype", Json("""{"CYP2D6":"*1/*4","CYP2C19":"*1/*17","CYP2B6":"*1/*6","HLA-B*15:02":"negative","HLA-A*31:01":"positive"}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var body = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Intermediate Metabolizer", body.GetProperty("metabolizer_status").GetProperty("CYP2D6").GetString());
        Assert.Equal("Rapid Metabolizer", body.GetProperty("metabolizer_status").GetProperty("CYP2C19").GetString());

        foreach (var (bad, named) in new[]
                 {
                     ("""{"CYP9Z9":"*1/*1"}""", "CYP9Z9"),
                     ("""{"CYP2D6":"*1-*4"}""", "*1-*4"),
                     ("""{"CYP2C19":"*1/*99"}""", "*99"),
                     ("""{"CYP2D6":"*1/*1","HLA-B*15:02":"maybe"}""", "maybe"),
                 })
        {
            var rejected = await http.PutAsync($"api/patients/{id}/genotype", Json(bad));
            Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
            Assert.Contains(named, await rejected.Content.ReadAsStringAsync());
        }

        // The rejected genotypes changed nothing: the prediction still uses *1/*4.
        var prediction = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/medications/paroxetine/prediction");
        Assert.Equal("Intermediate Metabolizer", prediction.GetProperty("metabolizer_status").GetProperty("CYP2D6").GetString());
    }

    [Fact]
    public async Task Medications_are_validated_all_or_nothing()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var good = """{"current":[{"drug":"fluoxetine","dose_mg":20,"start":"2026-09-01"}],"history":[{"drug":"sertraline","dose_mg":100,"start":"2025-01-10","end":"2025-06-01","response":"partial","side_effects":["nausea"]}]}""";
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"api/patients/{id}/medications", Json(good))).StatusCode);

        foreach (var (bad, named) in new[]
                 {
                     ("""{"current":[{"drug":"unobtainium","dose_mg":20,"start":"2026-09-01"}]}""", "unknown drug 'unobtainium'"),
                     ("""{"current":[{"drug":"sertraline","dose_mg":-5,"start":"2026-09-01"}]}""", "dose_mg -5"),
                     ("""{"history":[{"drug":"sertraline","dose_mg":50,"start":"2025-06-01","end":"2025-01-01","response":"none"}]}""", "is before start"),
                     ("""{"history":[{"drug":"sertraline","dose_mg":50,"start":"2025-01-01","end":"2025-02-01","response":"meh"}]}""", "unknown response 'meh'"),
                 })
        {
            var rejected = await http.PutAsync($"api/patients/{id}/medications", Json(bad));
            Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
            Assert.Contains(named, await rejected.Content.ReadAsStringAsync());
        }

        // Still the first plan: fluoxetine (a strong CYP2D6 inhibitor) phenoconverts a normal metabolizer.
        await http.PutAsync($"api/patients/{id}/genotype", Json("""{"CYP2D6":"*1/*1"}"""));
        var prediction = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/medications/vortioxetine/prediction");
        var conversion = Assert.Single(prediction.GetProperty("phenoconversions").EnumerateArray());
        Assert.Equal("fluoxetine", conversion.GetProperty("inhibitor").GetString());
        Assert.Equal("Poor Metabolizer", conversion.GetProperty("phenotype_after").GetString());
    }

    [Fact]
    public async Task Prediction_carries_the_cited_guideline_and_labelled_model_estimates()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        await http.PutAsync($"api/patients/{id}/genotype", Json("""{"CYP2C19":"*2/*2","CYP2B6":"*1/*1"}"""));

        var prediction = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/medications/escitalopram/prediction");
        var expected = RecommendationEngine.Default.Recommend("escitalopram", Genotype.Parse(new Dictionary<string, string> { ["CYP2C19"] = "*2/*2", ["CYP2B6"] = "*1/*1" }).Genotype);
        var recommendation = prediction.GetProperty("recommendation");
        Assert.Equal(expected.Action, recommendation.GetProperty("action").GetString());
        Assert.Equal(expected.StrengthTerm, recommendation.GetProperty("strength").GetString());
        Assert.Equal(expected.Guideline, recommendation.GetProperty("guideline").GetString());
        Assert.False(string.IsNullOrEmpty(recommendation.GetProperty("guideline_version").GetString()));
        var factor = Assert.Single(prediction.GetProperty("genetic_factors").EnumerateArray());
        Assert.Equal(("CYP2C19", "Poor Metabolizer"), (factor.GetProperty("gene").GetString(), factor.GetProperty("phenotype").GetString()));
        Assert.InRange(factor.GetProperty("model_interaction_score").GetDouble(), 0, 1);

        var efficacy = prediction.GetProperty("efficacy");
        Assert.InRange(efficacy.GetProperty("score").GetDouble(), 0, 1);
        Assert.InRange(efficacy.GetProperty("confidence").GetDouble(), 0, 1);
        Assert.InRange(efficacy.GetProperty("percentile").GetDouble(), 0, 100);
        Assert.All(prediction.GetProperty("side_effects").EnumerateArray(), s => Assert.InRange(s.GetProperty("probability").GetDouble(), 0, 1));
        Assert.False(string.IsNullOrEmpty(prediction.GetProperty("model_version").GetString()));
        Assert.Contains("model estimates", prediction.GetProperty("note").GetString());
    }

    [Fact]
    public async Task Without_a_genotype_the_answer_says_so_and_falls_back_to_standard_dosing()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var prediction = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/medications/citalopram/prediction");
        Assert.True(prediction.GetProperty("genotype_missing").GetBoolean());
        Assert.Contains("No genotype", prediction.GetProperty("note").GetString());
        var expected = RecommendationEngine.Default.Recommend("citalopram", null);
        Assert.Equal(expected.Action, prediction.GetProperty("recommendation").GetProperty("action").GetString());
    }

    [Fact]
    public async Task Unknown_drugs_get_a_404_listing_the_supported_ones()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var response = await http.GetAsync($"api/patients/{id}/medications/aspirin/prediction");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("'aspirin'", text);
        Assert.Contains("sertraline", text);

        var ranking = await http.GetAsync($"api/patients/{id}/medications/recommendations?candidates=sertraline,aspirin");
        Assert.Equal(HttpStatusCode.NotFound, ranking.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"api/patients/{id}/medications/recommendations")).StatusCode);
    }

    [Fact]
    public async Task Candidates_are_ranked_guideline_first_with_reasons()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        await http.PutAsync($"api/patients/{id}/genotype", Json("""{"CYP2C19":"*2/*2","CYP2D6":"*1/*1","CYP2B6":"*1/*1"}"""));
        var body = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/medications/recommendations?candidates=citalopram,vortioxetine,escitalopram");
        var ranked = body.GetProperty("ranked").EnumerateArray().ToList();
        Assert.Equal(3, ranked.Count);
        Assert.Equal([1, 2, 3], ranked.Select(r => r.GetProperty("rank").GetInt32()));
        // Vortioxetine (CYP2D6 normal: standard dosing) ranks above the CYP2C19-affected drugs.
        Assert.Equal("vortioxetine", ranked[0].GetProperty("medication").GetString());
        Assert.All(ranked, r => Assert.NotEmpty(r.GetProperty("reasons").EnumerateArray()));
    }
}
