using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NovaMind.Simulation;
using NovaMind.TestInfrastructure;

namespace NovaMind.EndToEnd.Tests;

/// <summary>What operators and Kubernetes read: Prometheus metrics, and readiness that names a missing capability.</summary>
[Collection(SystemCollection.Name)]
public sealed class OperationsEndpointsTests(NovaMindSystemFixture system)
{
    [Fact]
    public async Task Silos_export_scheduler_metrics_and_gateways_only_on_their_management_port()
    {
        using var http = system.Client();
        var id = await NovaMindSystemFixture.CreatePatientAsync(http);
        var patient = new CohortSimulator(seed: 17).SimulatePatient(0, 60, DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)));
        var body = new { observations = patient.Observations.Select(o => new { time = o.Time.ToString("O"), type = o.Type.Name, value = o.Value }) };
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"api/patients/{id}/observations", body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"api/patients/{id}/forecast?horizon=7")).StatusCode);

        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var silo = await plain.GetStringAsync(new Uri(system.SiloHttpBaseAddress, "metrics"));
        // The forecast above went through the silo's inference scheduler: its batch and timing histograms have samples.
        Assert.Matches(@"(?m)^novamind_inference_batch_size_count\{[^}]*model=""forecast""[^}]*\} [1-9]", silo);
        Assert.Contains("novamind_inference_queue_wait_milliseconds_bucket", silo);
        Assert.Contains("novamind_inference_compute_time_milliseconds_bucket", silo);
        Assert.Matches(@"(?m)^novamind_inference_queue_depth\{[^}]*model=""forecast""", silo);
        Assert.DoesNotContain(id.ToString(), silo);
        // The served model versions, as promoted (models/<kind>/CURRENT), in the metrics and in /ready.
        foreach (var kind in new[] { "forecast", "correlation", "pgx" })
        {
            var version = File.ReadAllText(Path.Combine(RepoPaths.Models, kind, "CURRENT")).Trim();
            Assert.Matches($@"(?m)^novamind_model_info\{{[^}}]*kind=""{kind}""[^}}]*version=""{System.Text.RegularExpressions.Regex.Escape(version)}""[^}}]*\}} 1", silo);
        }
        var models = (await plain.GetFromJsonAsync<JsonElement>(new Uri(system.SiloHttpBaseAddress, "ready"))).GetProperty("checks").GetProperty("models");
        Assert.Equal("Healthy", models.GetProperty("status").GetString());
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Models, "forecast", "CURRENT")).Trim(), models.GetProperty("details").GetProperty("forecast").GetString());

        var gateway = await plain.GetStringAsync(new Uri(system.GatewayBMetricsUrl, "metrics"));
        Assert.Contains("http_server_request_duration_seconds_bucket", gateway);
        Assert.DoesNotContain(id.ToString(), gateway);
        Assert.Equal(HttpStatusCode.NotFound, (await plain.GetAsync(new Uri(system.GatewayBUrl, "metrics"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await plain.GetAsync(new Uri(system.GatewayAUrl, "metrics"))).StatusCode); // no management port: none
    }

    [Fact]
    public async Task Forecasts_are_scored_when_their_days_are_observed_and_every_metric_the_alerts_read_is_exported()
    {
        using var http = system.Client();
        var id = await NovaMindSystemFixture.CreatePatientAsync(http);
        var origin = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-6);
        var patient = new SymptomCohortSimulator(seed: 1602).Simulate(1, 90, origin.AddDays(5)).Patients[0];
        object Body(IEnumerable<NovaMind.Domain.Observations.Observation> o) => new { observations = o.Select(x => new { time = x.Time.ToString("O"), type = x.Type.Name, value = x.Value }) };
        DateOnly DayOf(NovaMind.Domain.Observations.Observation o) => DateOnly.FromDateTime(o.Time.UtcDateTime);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"api/patients/{id}/observations", Body(patient.Observations.Where(o => DayOf(o) <= origin)))).StatusCode);
        var forecast = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}/forecast?symptom=mood&horizon=7");
        Assert.Equal(origin.AddDays(1).ToString("yyyy-MM-dd"), forecast.GetProperty("predictions")[0].GetProperty("date").GetString());
        // Every forecast says how far it can be trusted, and why when it cannot.
        var confidence = forecast.GetProperty("confidence");
        Assert.Equal(forecast.GetProperty("low_confidence").GetBoolean(), confidence.GetProperty("reasons").GetArrayLength() > 0);
        Assert.True(confidence.GetProperty("interval_width_ratio").GetDouble() > 0);
        Assert.True(confidence.GetProperty("out_of_distribution_score").GetDouble() >= 0); // the served set has a training reference
        Assert.Contains("robust sd", confidence.GetProperty("rule").GetString());

        // The five days after the forecast's origin arrive (all are over): each observed one is scored.
        var later = patient.Observations.Where(o => DayOf(o) > origin).ToList();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"api/patients/{id}/observations", Body(later))).StatusCode);
        var moodDays = later.Where(o => o.Type.Name == "mood").Select(DayOf).Distinct().Count();
        var summary = await http.GetFromJsonAsync<JsonElement>($"api/patients/{id}");
        var mood = summary.GetProperty("forecast_accuracy").EnumerateArray().Single(a => a.GetProperty("symptom").GetString() == "mood");
        Assert.Equal(moodDays, mood.GetProperty("scored_points").GetInt32());
        Assert.True(mood.GetProperty("mae").GetDouble() >= 0);

        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        // Drift gauges are computed off the request path, every 10 s: wait for the silo's first pass after the forecast.
        var exported = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(45); DateTime.UtcNow < deadline; await Task.Delay(1000))
        {
            exported = await plain.GetStringAsync(new Uri(system.SiloHttpBaseAddress, "metrics"));
            if (exported.Contains("novamind_model_drift_psi{", StringComparison.Ordinal)) break;
        }
        Assert.Matches(@"(?m)^novamind_model_drift_psi\{[^}]*feature=""sleep_hours_mean7""[^}]*symptom=""mood""", exported);
        Assert.Matches(@"(?m)^novamind_forecast_confidence_assessed_total\{[^}]*symptom=""mood""[^}]*\} [1-9]", exported);
        Assert.Matches(@"(?m)^novamind_forecast_realised_absolute_error_count\{[^}]*symptom=""mood""[^}]*\} [1-9]", exported);
        Assert.Matches(@"(?m)^novamind_forecast_offline_mae\{[^}]*horizon_bucket=""1-7""[^}]*symptom=""mood""", exported);
        Assert.DoesNotContain(id.ToString(), exported);
        exported += await plain.GetStringAsync(new Uri(system.GatewayBMetricsUrl, "metrics"));

        // Every series the alerts, the dashboard and the autoscalers read is one these processes really export (a rule on
        // a misspelt or never-exported metric would silently never fire). GPU memory exists only on CUDA silos.
        var referenced = new[] { "deploy/k8s/monitoring/alert-rules.yaml", "deploy/k8s/monitoring/grafana-dashboard.json", "deploy/k8s/base/autoscaling.yaml",
                                 "deploy/k8s/overlays/cpu-only/kustomization.yaml", "deploy/k8s/overlays/gpu/silo-gpu.yaml" }
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, f)), @"\b(novamind_[a-z_]+|http_server_[a-z_]+)")
                .Select(m => m.Value))
            .Where(m => !m.StartsWith("novamind_gpu_memory_", StringComparison.Ordinal) && m != "novamind_accelerator")
            .Distinct().ToList();
        Assert.Contains("novamind_inference_queue_depth", referenced);
        Assert.All(referenced, metric => Assert.Matches($@"(?m)^{metric}(\{{| )", exported));
    }

    [Fact]
    public async Task Admins_see_each_served_model_version_with_its_offline_numbers_and_nobody_else_does()
    {
        using var admin = system.Client(token: system.Token("ops-e2e", "admin"));
        var report = await admin.GetFromJsonAsync<JsonElement>("api/admin/models");
        var served = File.ReadAllText(Path.Combine(RepoPaths.Models, "forecast", "CURRENT")).Trim();
        Assert.Equal(served, report.GetProperty("served").GetProperty("forecast").GetString());
        var version = report.GetProperty("forecast").EnumerateArray().First();
        Assert.Equal(served, version.GetProperty("version").GetString());
        Assert.Contains("release evaluation", version.GetProperty("offline_source").GetString());
        Assert.Contains("one-sided z-test", version.GetProperty("rule").GetString());
        var buckets = version.GetProperty("buckets").EnumerateArray().ToList();
        // Every served symptom and horizon bucket, with its offline MAE and coverage; live numbers once forecasts were scored.
        Assert.Equal(["gad7 1-7", "gad7 15-28", "gad7 8-14", "mood 1-7", "mood 15-28", "mood 8-14", "phq9 1-7", "phq9 15-28", "phq9 8-14"],
            buckets.Select(b => $"{b.GetProperty("symptom").GetString()} {b.GetProperty("horizons").GetString()}").Order(StringComparer.Ordinal));
        Assert.All(buckets, b => Assert.True(b.GetProperty("offline_mae").GetDouble() > 0));
        Assert.All(buckets, b => Assert.InRange(b.GetProperty("offline_coverage80").GetDouble(), 0.6, 0.95));
        // Drift per monitored input and prediction of every symptom, judged by a stated rule against the training reference.
        var drift = version.GetProperty("drift");
        Assert.Contains("PSI > 0.25", drift.GetProperty("rule").GetString());
        Assert.Contains("training origins", drift.GetProperty("reference").GetString());
        var features = drift.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(30, features.Count); // 3 symptoms × (8 inputs + forecasts at h1 and h7)
        Assert.Contains(features, f => f.GetProperty("feature").GetString() == "sleep_hours_mean7" && f.GetProperty("kind").GetString() == "input");
        Assert.DoesNotContain("patient", report.GetRawText(), StringComparison.OrdinalIgnoreCase);

        using var clinician = system.Client();
        Assert.Equal(HttpStatusCode.Forbidden, (await clinician.GetAsync("api/admin/models")).StatusCode);
    }

    [Fact]
    public async Task Without_an_accelerator_silo_model_calls_answer_503_and_readiness_names_what_is_missing()
    {
        // A "gpu" deployment whose GPU silos are all gone: its own cluster, one CPU silo that requires accelerators.
        // Its own service id too: grain state rows are keyed by service id, and this cluster must not share the main
        // cluster's (two activations of one clinician's patient list would fight over its row).
        var name = "e2e-nogpu-" + Guid.NewGuid().ToString("N")[..8];
        var cluster = new Dictionary<string, string> { ["Orleans__ClusterId"] = name, ["Orleans__ServiceId"] = name };
        var (silo, siloUrl) = system.StartExtraSilo(new(cluster) { ["Placement__RequireAccelerator"] = "true", ["Placement__Accelerator"] = "cpu" });
        await using (silo)
        {
            await silo.WaitUntilReadyAsync(new Uri(siloUrl, "ready"), TimeSpan.FromSeconds(90));
            var (gateway, gatewayUrl) = await system.StartExtraGatewayAsync(cluster);
            await using (gateway)
            {
                using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                using var ready = await plain.GetAsync(new Uri(siloUrl, "ready"));
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode); // twins still work here: Kubernetes keeps routing
                var readiness = await ready.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("Degraded", readiness.GetProperty("status").GetString());
                var placement = readiness.GetProperty("checks").GetProperty("model-placement");
                Assert.Equal("Degraded", placement.GetProperty("status").GetString());
                Assert.Contains("no accelerator silo (novamind.accelerator=cuda) is active", placement.GetProperty("description").GetString());
                Assert.Equal("this silo hosts no model workers", readiness.GetProperty("checks").GetProperty("models").GetProperty("description").GetString());

                using var http = system.Client(gatewayUrl);
                var id = await NovaMindSystemFixture.CreatePatientAsync(http);
                using var forecast = await http.GetAsync($"api/patients/{id}/forecast?horizon=7");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, forecast.StatusCode);
                Assert.Equal("30", forecast.Headers.GetValues("Retry-After").Single());
                var problem = await forecast.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("No accelerator silo is active", problem.GetProperty("title").GetString());
                Assert.Contains("Placement:RequireAccelerator", problem.GetProperty("detail").GetString());
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"api/patients/{id}")).StatusCode); // the twin itself answers
            }
        }
    }
}
