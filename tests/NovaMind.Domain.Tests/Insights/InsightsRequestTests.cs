using NovaMind.Domain.Insights;
using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Insights;

public class InsightsRequestTests
{
    private static (InsightsRequest? Request, InsightsParameterError? Error) Parse(string? forecastDays = null, string? lookbackDays = null, string? include = null,
        string? symptoms = null, string? candidates = null) =>
        InsightsRequest.Parse(forecastDays, lookbackDays, include, symptoms, candidates, PgxKnowledgeBase.Default.Drugs);

    [Fact]
    public void Defaults_are_the_seed_s()
    {
        var (r, e) = Parse();
        Assert.Null(e);
        Assert.Equal(14, r!.ForecastDays);
        Assert.Equal(30, r.LookbackDays);
        Assert.Equal(["forecast", "correlations", "medications"], r.Include);
        Assert.Equal(["mood", "phq9", "gad7"], r.Symptoms.Select(s => s.Name));
        Assert.Null(r.Candidates);
    }

    // One wrong parameter → its name in the error, and a word of the message.
    [Theory]
    [InlineData("0", null, null, null, null, "forecast_days", "from 1 to 28")]
    [InlineData("29", null, null, null, null, "forecast_days", "got '29'")]
    [InlineData("seven", null, null, null, null, "forecast_days", "integer")]
    [InlineData(null, "6", null, null, null, "lookback_days", "from 7 to 730")]
    [InlineData(null, "731", null, null, null, "lookback_days", "got '731'")]
    [InlineData(null, null, "forecast,weather", null, null, "include", "got 'weather'")]
    [InlineData(null, null, ",", null, null, "include", "it was empty")]
    [InlineData(null, null, null, "phq9,sleep_hours", null, "symptoms", "got 'sleep_hours'")]
    [InlineData(null, null, null, null, "sertraline,aspirin", "candidates", "'aspirin'")]
    [InlineData(null, null, null, null, " , ", "candidates", "got 0")]
    public void A_wrong_parameter_is_named(string? forecastDays, string? lookbackDays, string? include, string? symptoms, string? candidates, string parameter, string fragment)
    {
        var (r, e) = Parse(forecastDays, lookbackDays, include, symptoms, candidates);
        Assert.Null(r);
        Assert.Equal(parameter, e!.Parameter);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Too_many_candidates_are_refused()
    {
        var many = string.Join(',', Enumerable.Range(1, 21).Select(i => $"drug{i}"));
        var error = Parse(candidates: many).Error!;
        Assert.Equal("candidates", error.Parameter);
        Assert.Contains("1 to 20", error.Message);
        Assert.Contains("got 21", error.Message);
    }

    [Fact]
    public void Subsets_keep_the_canonical_order_and_drug_names_are_normalised()
    {
        var (r, e) = Parse("7", "60", "medications,forecast", "gad7,phq9", " Sertraline ,ESCITALOPRAM,sertraline");
        Assert.Null(e);
        Assert.Equal(7, r!.ForecastDays);
        Assert.Equal(60, r.LookbackDays);
        Assert.Equal(["forecast", "medications"], r.Include);
        Assert.Equal(["phq9", "gad7"], r.Symptoms.Select(s => s.Name));
        Assert.Equal(["sertraline", "escitalopram"], r.Candidates);
        Assert.True(r.Includes("forecast"));
        Assert.False(r.Includes("correlations"));
    }
}
