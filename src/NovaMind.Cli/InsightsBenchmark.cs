using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NovaMind.Simulation;

namespace NovaMind.Cli;

/// <summary>Settings of <see cref="InsightsBenchmark"/>.</summary>
public sealed record InsightsBenchmarkOptions(Uri Gateway, int Patients, int Days, int Concurrency, int Seed);

/// <summary>
/// <c>./novamind bench insights</c> against a running system (started by the script): per patient the full insights
/// call cold (nothing cached) and again (cached), and — after one new sleep reading and the genotype again, which
/// invalidate every part — each part alone, cold, alternating which side goes first. So the parts alone and the fan-out
/// are measured on the same patients, in the same run, on the same machine. Latencies are client-side (HTTP, gateway, access
/// check and audit included).
/// </summary>
public sealed class InsightsBenchmark(InsightsBenchmarkOptions options, DevSecrets secrets, TextWriter output)
{
    private readonly StringBuilder _report = new();
    private static readonly string[] Genotypes = ["""{"CYP2C19":"*1/*1","CYP2D6":"*1/*1","CYP2B6":"*1/*1"}""", """{"CYP2C19":"*17/*17","CYP2D6":"*1/*4","CYP2B6":"*1/*6"}""",
        """{"CYP2C19":"*2/*2","CYP2D6":"*4/*4","CYP2B6":"*6/*6"}"""];

    private void Say(string line)
    {
        output.WriteLine(line);
        _report.AppendLine(line);
    }

    private sealed record Timings(double FullCold, double FullCached, double Forecast, double Correlations, double Medications, string ColdStatuses);

    public async Task<string> RunAsync(CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = options.Gateway, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Create(secrets, "bench-insights", ["clinician"], TimeSpan.FromHours(4)));

        var lastDay = DateOnly.FromDateTime(DateTime.UtcNow.Date.AddDays(-1));
        var cohort = new SymptomCohortSimulator(options.Seed).Simulate(options.Patients, options.Days, lastDay);
        var setup = Stopwatch.StartNew();
        var ids = new Guid[options.Patients];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Patients), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            using var created = await http.PostAsync("api/patients", null, token);
            created.EnsureSuccessStatusCode();
            var id = ids[i] = (await created.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("id").GetGuid();
            var body = JsonSerializer.Serialize(new { observations = cohort.Patients[i].Observations.Select(o => new { time = o.Time.ToString("O", CultureInfo.InvariantCulture), type = o.Type.Name, value = o.Value }) });
            await Expect(() => http.PostAsync($"api/patients/{id}/observations", Json(body), token), HttpStatusCode.Accepted);
            await Expect(() => http.PutAsync($"api/patients/{id}/genotype", Json(Genotypes[i % Genotypes.Length]), token), HttpStatusCode.OK);
            var start = lastDay.AddDays(-40).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var drug = i % 2 == 0 ? "escitalopram" : "sertraline";
            await Expect(() => http.PutAsync($"api/patients/{id}/medications", Json($$"""{"current":[{"drug":"{{drug}}","dose_mg":50,"start":"{{start}}"}],"history":[]}"""), token), HttpStatusCode.OK);
        });

        // Warm-up: the processes were just started (JIT tiers, model loading); three patients' worth, not measured.
        foreach (var id in ids.Take(3)) await ColdAsync(http, id, ct);
        foreach (var id in ids.Take(3)) await TimedAsync(http, $"api/patients/{id}/insights", ct);
        var measured = Enumerable.Range(3, options.Patients - 3).ToArray();
        var cold = new (double Ms, string Statuses, long Bytes)[measured.Length];
        var cached = new double[measured.Length];
        var alone = new (double Forecast, double Correlations, double Medications)[measured.Length];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct };
        await Task.Delay(TimeSpan.FromSeconds(10), ct); // the setup's checkpoint and audit writes settle first
        var clock = Stopwatch.StartNew();
        // Per patient, the full call cold then cached, and each part alone cold (after an invalidating write) — in
        // alternating order, so that neither side is always the first model work on a twin.
        await Parallel.ForEachAsync(measured, parallel, async (i, token) =>
        {
            var k = i - 3;
            if (k % 2 == 1) alone[k] = await PartsAloneAsync(http, ids[i], i, token);
            if (k % 2 == 1) await InvalidateAsync(http, ids[i], i, token);
            cold[k] = await ColdAsync(http, ids[i], token);
            cached[k] = (await TimedAsync(http, $"api/patients/{ids[i]}/insights", token)).Ms;
            if (k % 2 == 0) alone[k] = await PartsAloneAsync(http, ids[i], i, token);
        });
        var results = measured.Select((_, k) => new Timings(cold[k].Ms, cached[k], alone[k].Forecast, alone[k].Correlations, alone[k].Medications, cold[k].Statuses)).ToArray();

        Say($"# Insights benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Say("");
        Say($"- machine: {Environment.ProcessorCount} logical CPUs; .NET {Environment.Version}; Release system started by `./novamind bench insights` (Azurite, one silo, one gateway; rate limits lifted)");
        Say($"- {options.Patients} simulated patients (SymptomCohortSimulator seed {options.Seed}, {options.Days} days of mood, PHQ-9, GAD-7 and four wearables; a genotype and a current SSRI), created in {setup.Elapsed.TotalSeconds:F0} s; " +
            $"{results.Length} measured (3 warm-up), {options.Concurrency} patients in flight, {clock.Elapsed.TotalSeconds:F0} s; default options (forecast 14 days of 3 symptoms, correlations over 30 days, 4 default candidates)");
        Say("");
        Say("| call | p50 ms | p90 ms | p99 ms |");
        Say("|---|---:|---:|---:|");
        void Row(string name, Func<Timings, double> pick)
        {
            var v = results.Select(pick).Order().ToArray();
            Say($"| {name} | {IngestBenchmark.Percentile(v, 0.5):F1} | {IngestBenchmark.Percentile(v, 0.9):F1} | {IngestBenchmark.Percentile(v, 0.99):F1} |");
        }
        Row("insights, all parts, cold", t => t.FullCold);
        Row("insights, all parts, cached", t => t.FullCached);
        Row("forecast part alone, cold", t => t.Forecast);
        Row("correlations part alone, cold", t => t.Correlations);
        Row("medications part alone, cold", t => t.Medications);
        Say("");
        double P50(Func<Timings, double> pick) => IngestBenchmark.Percentile(results.Select(pick).Order().ToArray(), 0.5);
        var parts = new[] { P50(t => t.Forecast), P50(t => t.Correlations), P50(t => t.Medications) };
        var full = P50(t => t.FullCold);
        Say($"Cold p50 {full:F1} ms against the slowest part's p50 {parts.Max():F1} ms (**{full / parts.Max():F2}×**, target ≤ 1.2×) and the sum of the parts' p50s {parts.Sum():F1} ms ({full / parts.Sum():F2}×). " +
            $"Cached p99 **{IngestBenchmark.Percentile(results.Select(t => t.FullCached).Order().ToArray(), 0.99):F1} ms** (target ≤ 20 ms).");
        Say("");
        Say($"Answer size of the full call: median {cold.Select(c => c.Bytes).Order().ElementAt(cold.Length / 2) / 1024.0:F0} KiB. Per patient: the full call cold then cached, and each part alone cold after an invalidating write (one sleep reading, the genotype again), alternating which comes first.");
        Say("");
        Say("Part statuses of the cold calls (forecast / correlations / medications): " +
            string.Join(", ", results.GroupBy(t => t.ColdStatuses).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} × {g.Count()}")) + ".");
        Say("");
        return _report.ToString();
    }

    private static async Task<(double Ms, string Statuses, long Bytes)> ColdAsync(HttpClient http, Guid id, CancellationToken ct)
    {
        var (ms, body, bytes) = await TimedAsync(http, $"api/patients/{id}/insights", ct);
        var parts = body.GetProperty("parts");
        return (ms, string.Join(" / ", new[] { "forecast", "correlations", "medications" }.Select(p => parts.GetProperty(p).GetProperty("status").GetString())), bytes);
    }

    /// <summary>A new sleep reading (forecasts and correlations) and the genotype again (the ranking) invalidate every part; then each part alone.</summary>
    private static async Task<(double, double, double)> PartsAloneAsync(HttpClient http, Guid id, int i, CancellationToken ct)
    {
        await InvalidateAsync(http, id, i, ct);
        var forecast = (await TimedAsync(http, $"api/patients/{id}/insights?include=forecast", ct)).Ms;
        var correlations = (await TimedAsync(http, $"api/patients/{id}/insights?include=correlations", ct)).Ms;
        var medications = (await TimedAsync(http, $"api/patients/{id}/insights?include=medications", ct)).Ms;
        return (forecast, correlations, medications);
    }

    private static async Task InvalidateAsync(HttpClient http, Guid id, int i, CancellationToken ct)
    {
        var now = DateTime.UtcNow.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        await Expect(() => http.PostAsync($"api/patients/{id}/observations", Json($$"""{"observations":[{"time":"{{now}}","type":"sleep_hours","value":7.1}]}"""), ct), HttpStatusCode.Accepted);
        await Expect(() => http.PutAsync($"api/patients/{id}/genotype", Json(Genotypes[i % Genotypes.Length]), ct), HttpStatusCode.OK);
    }

    private static async Task<(double Ms, JsonElement Body, long Bytes)> TimedAsync(HttpClient http, string path, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(path, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var body = JsonSerializer.Deserialize<JsonElement>(bytes);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {body}");
        return (ms, body, bytes.LongLength);
    }

    /// <summary>Sends and checks the status; a 503 or 429 (storage busy under the setup's load) is retried after a pause: the writes are idempotent.</summary>
    private static async Task Expect(Func<Task<HttpResponseMessage>> call, HttpStatusCode expected)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await call();
            if (response.StatusCode == expected) return;
            if (attempt < 6 && response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt));
                continue;
            }
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

}
