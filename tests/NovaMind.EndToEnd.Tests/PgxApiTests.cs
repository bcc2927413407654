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

    private static Task<Guid> CreatePatientAsync(HttpClient http) => NovaMindSystemFixture.CreatePatientAsync(http);

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
                     ("""{"current":[{"drug":"unobtainium","dose_mg":20,"start":"2026-09-01"}],"history":[]}""", "unknown drug 'unobtainium'"),
                     ("""{"current":[{"drug":"sertraline","dose_mg":-5,"start":"2026-09-01"}],"history":[]}""", "dose_mg -5"),
                     ("""{}""", "both 'current' and 'history' arrays"),
                     ("""{"current":[],"history":[{"drug":"sertraline","dose_mg":50,"start":"2025-06-01","end":"2025-01-01","response":"none"}]}""", "is before start"),
                     ("""{"current":[],"history":[{"drug":"sertraline","dose_mg":50,"start":"2025-01-01","end":"2025-02-01","response":"meh"}]}""", "unknown response 'meh'"),
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
        Assert.Equal(expected.Category.ToName(), recommendation.GetProperty("category").GetString());
        Assert.Equal(expected.RuleId, recommendation.GetProperty("rule_id").GetString());
        Assert.Equal("ok", prediction.GetProperty("genotype_status").GetString());

        var efficacy = prediction.GetProperty("efficacy");
        Assert.InRange(efficacy.GetProperty("score").GetDouble(), 0, 1);
        Assert.InRange(efficacy.GetProperty("confidence").GetDouble(), 0, 1);
        Assert.InRange(efficacy.GetProperty("percentile").GetDouble(), 0, 100);
        Assert.All(prediction.GetProperty("side_effects").EnumerateArray(), s => Assert.InRange(s.GetProperty("probability").GetDouble(), 0, 1));
        Assert.False(string.IsNullOrEmpty(prediction.GetProperty("model_version").GetString()));
        Assert.Contains("model estimates", prediction.GetProperty("note").GetString());
        Assert.Equal("cpu", prediction.GetProperty("model_device").GetString());
        // Every estimate carries its held-out skill next to its baseline's, and whether it may rank.
        var skill = efficacy.GetProperty("skill");
        Assert.StartsWith("Brier", skill.GetProperty("metric").GetString());
        Assert.InRange(skill.GetProperty("model").GetDouble(), 0, 1);
        Assert.InRange(skill.GetProperty("baseline").GetDouble(), 0, 1);
        Assert.Contains("baseline", skill.GetProperty("summary").GetString());
        Assert.Equal(JsonValueKind.Object, factor.GetProperty("interaction_skill").ValueKind);
        Assert.False(prediction.GetProperty("side_effects_skill").GetProperty("beats_baseline").GetBoolean()); // no interval measured for them
    }

    [Fact]
    public async Task Without_a_genotype_the_answer_says_so_and_falls_back_to_standard_dosing()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var prediction = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/medications/citalopram/prediction");
        Assert.True(prediction.GetProperty("genotype_missing").GetBoolean());
        Assert.Equal("missing", prediction.GetProperty("genotype_status").GetString());
        Assert.Equal("no_guidance", prediction.GetProperty("recommendation").GetProperty("category").GetString());
        Assert.Contains("No genotype", prediction.GetProperty("note").GetString());
        var expected = RecommendationEngine.Default.Recommend("citalopram", null);
        Assert.Equal(expected.Action, prediction.GetProperty("recommendation").GetProperty("action").GetString());
    }

    [Fact]
    public async Task Unknown_drugs_get_a_404_listing_the_known_ones()
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

    /// <summary>
    /// The case that found the text-matching bug: an HLA-B*15:02 carrier with CYP2C19 *17/*17. Carbamazepine and
    /// oxcarbazepine (CPIC: do not use) rank last as avoid; escitalopram and citalopram are alternative; sertraline
    /// (CYP2C19 ultrarapid + CYP2B6 not tested: standard) first; fluoxetine, which has no CPIC guideline, is a valid
    /// candidate with no guidance and the CYP2D6 phenoconversion it would cause.
    /// </summary>
    [Fact]
    public async Task Contraindicated_drugs_rank_last_as_avoid()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"api/patients/{id}/genotype",
            Json("""{"HLA-B*15:02":"positive","CYP2C19":"*17/*17","CYP2D6":"*1/*1"}"""))).StatusCode);
        var body = await http.GetFromJsonAsync<JsonElement>(
            $"api/patients/{id}/medications/recommendations?candidates=carbamazepine,sertraline,escitalopram,citalopram,oxcarbazepine,fluoxetine");
        var ranked = body.GetProperty("ranked").EnumerateArray()
            .Select(r => (Drug: r.GetProperty("medication").GetString(), Category: r.GetProperty("guideline_category").GetString(), Row: r)).ToList();
        Assert.Equal(["standard", "alternative", "alternative", "no_guidance", "avoid", "avoid"], ranked.Select(r => r.Category));
        Assert.Equal("sertraline", ranked[0].Drug);
        Assert.Equal(["citalopram", "escitalopram"], ranked.Skip(1).Take(2).Select(r => r.Drug).Order());
        Assert.Equal("fluoxetine", ranked[3].Drug);
        Assert.Equal(["carbamazepine", "oxcarbazepine"], ranked.Skip(4).Select(r => r.Drug).Order());
        // Inside a category, with no history, the model orders ties only when it beats its baseline; then by its estimate.
        foreach (var pair in new[] { ranked.Skip(1).Take(2).ToList(), ranked.Skip(4).ToList() })
        {
            double Score(JsonElement row) => row.GetProperty("prediction").GetProperty("efficacy").GetProperty("score").GetDouble();
            if (pair[0].Row.GetProperty("model_estimate_used").GetBoolean()) Assert.True(Score(pair[0].Row) >= Score(pair[1].Row));
            else Assert.True(string.CompareOrdinal(pair[0].Drug, pair[1].Drug) < 0);
        }

        var carbamazepine = ranked.Single(r => r.Drug == "carbamazepine").Row;
        var firstReason = carbamazepine.GetProperty("reasons")[0].GetString();
        Assert.StartsWith("ranked last (category avoid): CPIC says 'do not use' for carbamazepine with HLA-B*15:02 Positive", firstReason);
        var recommendation = carbamazepine.GetProperty("prediction").GetProperty("recommendation");
        Assert.StartsWith("cpic-hla-carbamazepine-2017/r", recommendation.GetProperty("rule_id").GetString());
        Assert.Equal("treatment-naive", recommendation.GetProperty("population").GetString());

        var fluoxetine = ranked[3].Row.GetProperty("prediction");
        var caused = Assert.Single(fluoxetine.GetProperty("caused_phenoconversions").EnumerateArray());
        Assert.Equal(("CYP2D6", "Normal Metabolizer", "Poor Metabolizer"),
            (caused.GetProperty("gene").GetString(), caused.GetProperty("phenotype_before").GetString(), caused.GetProperty("phenotype_after").GetString()));

        // An estimate is used to rank exactly when its model beats its baseline (the skill says which).
        Assert.All(ranked.Where(r => r.Row.GetProperty("prediction").GetProperty("efficacy").ValueKind == JsonValueKind.Object), r =>
            Assert.Equal(r.Row.GetProperty("prediction").GetProperty("efficacy").GetProperty("skill").GetProperty("beats_baseline").GetBoolean(),
                r.Row.GetProperty("model_estimate_used").GetBoolean()));

        // A name that is no drug at all still fails the request, listing the known drugs.
        var bad = await http.GetAsync($"api/patients/{id}/medications/recommendations?candidates=sertraline,unobtainium");
        Assert.Equal(HttpStatusCode.NotFound, bad.StatusCode);
        Assert.Contains("mirtazapine", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Silo_readiness_reports_the_inference_device()
    {
        using var http = new HttpClient();
        var ready = await http.GetFromJsonAsync<JsonElement>(new Uri(system.SiloHttpBaseAddress, "ready"));
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        var details = ready.GetProperty("checks").GetProperty("orleans-silo").GetProperty("details");
        Assert.Equal("cpu", details.GetProperty("inference_device").GetString());
        Assert.Equal("auto", details.GetProperty("inference_device_requested").GetString());
        Assert.True(details.GetProperty("inference_device_fallback").GetBoolean());
    }
}
