using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NovaMind.Simulation;

namespace NovaMind.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class ApiTests(NovaMindSystemFixture system)
{
    private static readonly string Day = "2026-03-02T08:00:00Z";

    private static async Task<Guid> CreatePatientAsync(HttpClient http)
    {
        var response = await http.PostAsync("api/patients", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal($"/api/patients/{id}", response.Headers.Location?.ToString());
        return id;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Observations(params (string Time, string Type, double Value)[] items) =>
        JsonSerializer.Serialize(new { observations = items.Select(i => new { time = i.Time, type = i.Type, value = i.Value }) });

    private static async Task<int> TotalAsync(HttpClient http, Guid id) =>
        (await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}")).GetProperty("total_observations").GetInt32();

    [Fact]
    public async Task Every_api_route_requires_a_valid_clinician_token()
    {
        using var anonymous = new HttpClient { BaseAddress = system.GatewayAUrl };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("api/patients", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"api/patients/{Guid.NewGuid()}")).StatusCode);

        using var unpublishedKey = NovaMind.ServiceDefaults.TokenSigningKey.Create();
        using var forged = system.Client(token: system.Token(credentials: unpublishedKey.Credentials));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.PostAsync("api/patients", null)).StatusCode);

        using var wrongRole = system.Client(token: system.Token(role: "patient"));
        Assert.Equal(HttpStatusCode.Forbidden, (await wrongRole.PostAsync("api/patients", null)).StatusCode);

        using var open = new HttpClient { BaseAddress = system.GatewayAUrl };
        Assert.Equal(HttpStatusCode.OK, (await open.GetAsync("health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await open.GetAsync("ready")).StatusCode);
        // Outside Development the API description needs a token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await open.GetAsync("openapi/v1.json")).StatusCode);
        using var clinician = system.Client();
        Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync("openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task Observations_are_stored_summarised_and_forecast()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var patient = new CohortSimulator(seed: 5).SimulatePatient(0, 60, new DateOnly(2026, 5, 31));
        var body = JsonSerializer.Serialize(new { observations = patient.Observations.Select(o => new { time = o.Time.ToString("O"), type = o.Type.Name, value = o.Value }) });

        var posted = await http.PostAsync($"api/patients/{id}/observations", Json(body));
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var accepted = await posted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(patient.Observations.Count, accepted.GetProperty("accepted").GetInt32());

        var summary = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}");
        Assert.Equal(patient.Observations.Count, summary.GetProperty("total_observations").GetInt32());
        var moods = summary.GetProperty("types").EnumerateArray().Single(t => t.GetProperty("type").GetString() == "mood");
        Assert.Equal(patient.Observations.Count(o => o.Type.Name == "mood"), moods.GetProperty("count").GetInt32());
        var lastMood = patient.Observations.Where(o => o.Type.Name == "mood").MaxBy(o => o.Time);
        Assert.Equal(lastMood.Value, moods.GetProperty("latest_value").GetDouble());

        var forecast = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/forecast?horizon=7");
        Assert.Equal("mood", forecast.GetProperty("symptom").GetString()); // the default
        Assert.False(string.IsNullOrEmpty(forecast.GetProperty("model_version").GetString()));
        Assert.Equal(7, forecast.GetProperty("horizon").GetInt32());
        var predictions = forecast.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(7, predictions.Count);
        Assert.Equal(DateOnly.FromDateTime(lastMood.Time.UtcDateTime).AddDays(1).ToString("yyyy-MM-dd"), predictions[0].GetProperty("date").GetString());
        foreach (var p in predictions)
        {
            var (l95, l80, v, u80, u95) = (p.GetProperty("lower_95").GetDouble(), p.GetProperty("lower_80").GetDouble(), p.GetProperty("value").GetDouble(),
                p.GetProperty("upper_80").GetDouble(), p.GetProperty("upper_95").GetDouble());
            Assert.True(l95 <= l80 && l80 <= v && v <= u80 && u80 <= u95);
        }
    }

    [Fact]
    public async Task A_forecast_answer_has_every_day_the_contributing_models_and_their_weights()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var patient = new SymptomCohortSimulator(seed: 8).Simulate(1, 90, new DateOnly(2026, 6, 30)).Patients[0];
        var body = JsonSerializer.Serialize(new { observations = patient.Observations.Select(o => new { time = o.Time.ToString("O"), type = o.Type.Name, value = o.Value }) });
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"api/patients/{id}/observations", Json(body))).StatusCode);
        var lastPhq9 = DateOnly.FromDateTime(patient.Observations.Where(o => o.Type.Name == "phq9").Max(o => o.Time).UtcDateTime);

        var forecast = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/forecast?horizon=28&symptom=phq9");

        Assert.Equal("phq9", forecast.GetProperty("symptom").GetString());
        Assert.Equal(28, forecast.GetProperty("horizon").GetInt32());
        Assert.True(forecast.GetProperty("generated_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        var predictions = forecast.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal([.. Enumerable.Range(1, 28).Select(h => lastPhq9.AddDays(h).ToString("yyyy-MM-dd"))], predictions.Select(p => p.GetProperty("date").GetString()!).ToArray());
        Assert.Equal("cpu", forecast.GetProperty("model_device").GetString()); // Inference:Device=auto fell back to the CPU here
        var transformer = forecast.GetProperty("contributing_models").GetProperty("transformer");
        var xgboost = forecast.GetProperty("contributing_models").GetProperty("xgboost");
        var tValues = transformer.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var xValues = xgboost.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(28, transformer.GetProperty("sd").GetArrayLength());
        Assert.Contains("layers=", transformer.GetProperty("architecture").GetString());
        Assert.Contains("max_depth=", xgboost.GetProperty("hyperparameters").GetString());
        var statistical = forecast.GetProperty("contributing_models").GetProperty("statistical");
        Assert.StartsWith("mean of SARIMA(1,0,0)(1,0,0)7 with a mean and ETS(A,N,A)", statistical.GetProperty("model").GetString()); // sets from 0.6.0
        var sValues = statistical.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        double[] Weights(string member) => [.. forecast.GetProperty("weights").GetProperty(member).EnumerateArray().Select(v => v.GetDouble())];
        var (wT, wX, wS) = (Weights("transformer"), Weights("xgboost"), Weights("statistical"));
        var personalisation = forecast.GetProperty("personalisation");
        Assert.InRange(personalisation.GetProperty("backtest_origins").GetInt32(), 1, 12); // 90 days of history: weekly origins back from the last
        var servedSet = Path.Combine(NovaMind.TestInfrastructure.RepoPaths.Models, "forecast", File.ReadAllText(Path.Combine(NovaMind.TestInfrastructure.RepoPaths.Models, "forecast", "CURRENT")).Trim(), "phq9");
        var servedRule = NovaMind.Ml.Forecasting.ForecastEnsembleArtifacts.LoadEnsemble(servedSet).PersonalisationRule;
        Assert.Equal(NovaMind.Ml.Forecasting.PersonalisationRecord.Name(servedRule), personalisation.GetProperty("rule").GetString()); // the served set's own rule (ADR 0028)
        Assert.InRange(personalisation.GetProperty("interval_shrinkage").GetProperty("80").GetDouble(), 0, 1);
        if (servedRule == NovaMind.Ml.Forecasting.Personalised.PersonalisationRule.EnsembleOrMember) // ADR 0029: which was served, and why
        {
            var choice = personalisation.GetProperty("choice");
            var served = choice.GetProperty("served").GetString();
            Assert.Contains(served, new[] { "ensemble", "statistical_member" });
            var (ensembleMae, memberMae) = (choice.GetProperty("ensemble_backtest_mae").GetDouble(), choice.GetProperty("statistical_member_backtest_mae").GetDouble());
            Assert.Equal(served == "statistical_member", memberMae < ensembleMae);
            if (served == "statistical_member") Assert.All(wS, w => Assert.Equal(1, w));
        }
        Assert.Contains("rolling-origin backtest", personalisation.GetProperty("reason").GetString());
        Assert.True(personalisation.GetProperty("interval_scale").GetProperty("80").GetDouble() > 0);
        Assert.True(personalisation.GetProperty("interval_scale").GetProperty("95").GetDouble() > 0);
        Assert.Equal(28, personalisation.GetProperty("global_weights").GetProperty("statistical").GetArrayLength());
        Assert.Equal(28, tValues.Length);
        Assert.Equal(28, xValues.Length);
        Assert.Equal(28, sValues.Length);
        for (var k = 0; k < 28; k++)
        {
            Assert.InRange(wT[k] + wX[k] + wS[k], 0.998, 1.002);
            var combined = Math.Clamp(wT[k] * tValues[k] + wX[k] * xValues[k] + wS[k] * sValues[k], 0, 27);
            Assert.InRange(predictions[k].GetProperty("value").GetDouble(), combined - 0.02, combined + 0.02); // the answer is the weighted combination (of rounded parts)
            Assert.InRange(predictions[k].GetProperty("value").GetDouble(), 0, 27);
        }
    }

    public static TheoryData<string, HttpStatusCode, string> InvalidBatches => new()
    {
        { Observations((Day, "moood", 5)), HttpStatusCode.BadRequest, "unknown observation type 'moood'" },
        { Observations((Day, "phq9", 28)), HttpStatusCode.BadRequest, "phq9 value 28 is outside 0..27" },
        { Observations((Day, "resting_hr", 19)), HttpStatusCode.BadRequest, "resting_hr value 19 is outside 20..250" },
        { Observations(("yesterday", "mood", 5)), HttpStatusCode.BadRequest, "time 'yesterday' is not an ISO 8601 date-time" },
        { Observations(("2026-03-02T08:00:00", "mood", 5)), HttpStatusCode.BadRequest, "with a UTC offset" },
        { Observations((DateTimeOffset.UtcNow.AddDays(3).ToString("O"), "mood", 5)), HttpStatusCode.BadRequest, "is in the future" },
        { "{\"observations\":[{\"time\":\"2026-03-02T08:00:00Z\",\"type\":\"mood\",", HttpStatusCode.BadRequest, "Path: $.observations[0]" },
        { "{\"observations\":[{\"time\":\"2026-03-02T08:00:00Z\",\"type\":\"mood\",\"value\":\"high\"}]}", HttpStatusCode.BadRequest, "].value" },
        { "{\"observations\":[]}", HttpStatusCode.BadRequest, "non-empty array" },
        { "{}", HttpStatusCode.BadRequest, "non-empty array" },
        { Observations([.. Enumerable.Range(0, 10_001).Select(i => ("2026-01-01T00:00:00Z", "steps", (double)i))]), HttpStatusCode.RequestEntityTooLarge, "at most 10000 observations; this one has 10001" },
    };

    [Theory]
    [MemberData(nameof(InvalidBatches))]
    public async Task Invalid_batches_get_a_problem_naming_the_fault_and_store_nothing(string body, HttpStatusCode expected, string named)
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"api/patients/{id}/observations", Json(Observations((Day, "mood", 6))))).StatusCode);

        // A valid observation in the same batch must not be stored either (all or nothing).
        var withValid = body.StartsWith("{\"observations\":[{\"time\":\"", StringComparison.Ordinal) && body.EndsWith("}]}", StringComparison.Ordinal) && expected == HttpStatusCode.BadRequest
            ? body.Replace("{\"observations\":[", "{\"observations\":[{\"time\":\"2026-03-03T08:00:00Z\",\"type\":\"mood\",\"value\":4},")
            : body;
        var response = await http.PostAsync($"api/patients/{id}/observations", Json(withValid));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Contains(named, problem);
        Assert.Equal(1, await TotalAsync(http, id));
    }

    [Fact]
    public async Task Unknown_and_malformed_patient_ids_are_rejected()
    {
        using var http = system.Client();
        var unknown = await http.PostAsync($"api/patients/{Guid.NewGuid()}/observations", Json(Observations((Day, "mood", 5))));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Patient not found", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/patients/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/patients/{Guid.NewGuid()}/forecast")).StatusCode);

        var malformed = await http.GetAsync("api/patients/not-a-guid");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("'not-a-guid' is not a GUID", await malformed.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("horizon=0", "horizon must be an integer from 1 to 28; got '0'")]
    [InlineData("horizon=29", "horizon must be an integer from 1 to 28; got '29'")]
    [InlineData("horizon=seven", "horizon must be an integer from 1 to 28; got 'seven'")]
    [InlineData("horizon=-1", "horizon must be an integer from 1 to 28; got '-1'")]
    [InlineData("symptom=sleep_hours", "symptom must be one of mood, phq9, gad7; got 'sleep_hours'")]
    [InlineData("symptom=MOOD", "symptom must be one of mood, phq9, gad7; got 'MOOD'")]
    [InlineData("symptom=anxiety&horizon=7", "symptom must be one of mood, phq9, gad7; got 'anxiety'")]
    public async Task Forecast_with_a_horizon_outside_1_to_28_or_an_unknown_symptom_is_a_bad_request_naming_it(string query, string named)
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        var response = await http.GetAsync($"api/patients/{id}/forecast?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forecast_with_too_little_history_is_unprocessable_and_says_what_is_needed()
    {
        using var http = system.Client();
        var id = await CreatePatientAsync(http);
        await http.PostAsync($"api/patients/{id}/observations", Json(Observations((Day, "mood", 5), ("2026-03-03T08:00:00Z", "mood", 6))));
        var response = await http.GetAsync($"api/patients/{id}/forecast?horizon=3");
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Contains("at least 14 observed days of mood", await response.Content.ReadAsStringAsync());
    }
}
