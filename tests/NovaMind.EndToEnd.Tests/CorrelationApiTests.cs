using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace NovaMind.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class CorrelationApiTests(NovaMindSystemFixture system)
{
    /// <summary>
    /// 120 days ending yesterday: mood(t) = 5 + 0.9·(sleep(t−2) − 7) + noise, everything else independent noise,
    /// steps constant (so its pairs are excluded, not NaN).
    /// </summary>
    internal static string PlantedBody()
    {
        var rng = new Random(11);
        double N() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var end = DateTime.UtcNow.Date.AddDays(-1);
        var sleep = new double[120];
        var items = new List<object>();
        for (var d = 0; d < 120; d++)
        {
            var day = end.AddDays(d - 119);
            sleep[d] = Math.Round(Math.Clamp(7 + N(), 3, 11), 2);
            var mood = d >= 2 ? 5 + 0.9 * (sleep[d - 2] - 7) + 0.5 * N() : 5 + 0.5 * N();
            items.Add(new { time = day.AddHours(7).ToString("yyyy-MM-ddTHH:mm:ssZ"), type = "sleep_hours", value = sleep[d] });
            items.Add(new { time = day.AddHours(8).ToString("yyyy-MM-ddTHH:mm:ssZ"), type = "mood", value = Math.Round(Math.Clamp(mood, 0, 10), 2) });
            items.Add(new { time = day.AddHours(8).ToString("yyyy-MM-ddTHH:mm:ssZ"), type = "hrv_ms", value = Math.Round(60 + 8 * N(), 1) });
            items.Add(new { time = day.AddHours(20).ToString("yyyy-MM-ddTHH:mm:ssZ"), type = "steps", value = 5000 });
        }
        return JsonSerializer.Serialize(new { observations = items });
    }

    private async Task<Guid> PlantedPatientAsync(HttpClient http)
    {
        var id = (await (await http.PostAsync("api/patients", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var posted = await http.PostAsync($"api/patients/{id}/observations", new StringContent(PlantedBody(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        return id;
    }

    [Fact]
    public async Task The_planted_lag_ranks_first_and_constant_series_are_excluded_with_a_reason()
    {
        using var http = system.Client();
        var id = await PlantedPatientAsync(http);
        var report = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/correlations?lookback_days=110&max_lag=7&method=pearson&min_abs=0.3&max_q=0.05");

        var rows = report.GetProperty("correlations").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        var top = rows[0];
        Assert.Equal(("sleep_hours", "mood", 2, "pearson"), (top.GetProperty("biometric_type").GetString(), top.GetProperty("symptom_type").GetString(),
            top.GetProperty("lag_days").GetInt32(), top.GetProperty("method").GetString()));
        Assert.True(top.GetProperty("coefficient").GetDouble() > 0.6);
        Assert.True(top.GetProperty("q_value").GetDouble() < 1e-6);
        Assert.True(top.GetProperty("ci_low").GetDouble() < top.GetProperty("coefficient").GetDouble());
        Assert.All(rows, r => Assert.True(Math.Abs(r.GetProperty("coefficient").GetDouble()) >= 0.3 && r.GetProperty("q_value").GetDouble() <= 0.05));
        Assert.Equal(rows.Select(r => Math.Abs(r.GetProperty("coefficient").GetDouble())).OrderDescending(), rows.Select(r => Math.Abs(r.GetProperty("coefficient").GetDouble())));

        var excluded = report.GetProperty("excluded").EnumerateArray().ToList();
        Assert.Contains(excluded, e => e.GetProperty("biometric_type").GetString() == "steps" && e.GetProperty("reason").GetString()!.Contains("constant"));

        var patterns = report.GetProperty("temporal_patterns").EnumerateArray().ToList();
        Assert.NotEmpty(patterns);
        var mood = patterns.Single(p => p.GetProperty("symptom").GetString() == "mood");
        Assert.Equal(1.0, mood.GetProperty("temporal_importance").EnumerateArray().Sum(v => v.GetDouble()), 3);
        Assert.Equal(1.0, mood.GetProperty("modality_importance").EnumerateObject().Sum(v => v.Value.GetDouble()), 3);
        Assert.StartsWith("Attention weights", mood.GetProperty("interpretation").GetString());
        Assert.Contains("not what drives the symptom", mood.GetProperty("interpretation").GetString());
        // Each p-value says how it was obtained; none is called exact unless every pairing was counted.
        Assert.All(report.GetProperty("correlations").EnumerateArray(), r =>
        {
            var n = r.GetProperty("n").GetInt32();
            var how = r.GetProperty("p_method").GetString();
            var expected = r.GetProperty("method").GetString() == "pearson" || n >= 30 ? "t_distribution" : n <= 12 ? "exact_permutation" : "monte_carlo_permutation";
            Assert.Equal(expected, how);
        });
        Assert.False(string.IsNullOrEmpty(report.GetProperty("model_version").GetString()));
        Assert.Equal("cpu", report.GetProperty("model_device").GetString());
    }

    [Fact]
    public async Task Method_both_gives_one_row_per_method()
    {
        using var http = system.Client();
        var id = await PlantedPatientAsync(http);
        var report = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/correlations?lookback_days=110&max_lag=3&method=both&max_q=1");
        var planted = report.GetProperty("correlations").EnumerateArray()
            .Where(r => r.GetProperty("biometric_type").GetString() == "sleep_hours" && r.GetProperty("symptom_type").GetString() == "mood" && r.GetProperty("lag_days").GetInt32() == 2)
            .Select(r => r.GetProperty("method").GetString()).Order().ToList();
        Assert.Equal(["pearson", "spearman"], planted);
    }

    [Theory]
    [InlineData("max_lag=31", "max_lag")]
    [InlineData("max_lag=-1", "max_lag")]
    [InlineData("max_lag=three", "max_lag")]
    [InlineData("lookback_days=6", "lookback_days")]
    [InlineData("lookback_days=731", "lookback_days")]
    [InlineData("method=kendall", "method")]
    [InlineData("min_abs=2", "min_abs")]
    [InlineData("max_q=x", "max_q")]
    public async Task Bad_parameters_are_a_400_naming_the_parameter(string query, string parameter)
    {
        using var http = system.Client();
        var id = (await (await http.PostAsync("api/patients", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var response = await http.GetAsync($"api/patients/{id}/correlations?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString());
    }
}
