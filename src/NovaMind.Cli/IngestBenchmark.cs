using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using NovaMind.Domain.Observations;
using NovaMind.Grains.Persistence;

namespace NovaMind.Cli;

/// <summary>Settings of <see cref="IngestBenchmark"/>.</summary>
public sealed record IngestBenchmarkOptions(
    Uri Gateway, string StorageConnectionString, int Concurrency, TimeSpan PhaseLength, TimeSpan WarmUp, int BatchTwins, int BatchRequestsPerTwin,
    int MemoryTwins, int MemoryDays, int? SiloPid, int? GatewayPid, int? StoragePid);

/// <summary>
/// <c>./novamind bench ingest</c> against a running system (started by the script): (a) the history store's raw upsert rate
/// of the same growing, encrypted day chunk a single-reading ingest writes, at the same concurrency, straight to storage;
/// (b) single-reading ingest end to end through the gateway (each writer its own patient, 202 = durable); (c) batched
/// wearable ingest, 1,000 minute-level readings per request into many twins; (d) the silo's resident memory while many
/// twins each receive a year of data. Phases run one after the other in one process, so ratios compare like with like.
/// </summary>
public sealed class IngestBenchmark(IngestBenchmarkOptions options, DevSecrets secrets, TextWriter output)
{
    private static readonly DateTimeOffset Start = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-400);
    private readonly StringBuilder _report = new();

    private void Say(string line)
    {
        output.WriteLine(line);
        _report.AppendLine(line);
    }

    public async Task<string> RunAsync(CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = options.Gateway,
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            DevTokens.Create(secrets, "bench-ingest", ["clinician"], TimeSpan.FromHours(4)));

        Say($"# Ingest benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Say("");
        Say($"- machine: {Environment.ProcessorCount} logical CPUs, {MachineName()}; .NET {Environment.Version}; storage: {StorageName()}");
        Say($"- concurrency {options.Concurrency} for (a) and (b), {options.PhaseLength.TotalSeconds:F0} s each after {options.WarmUp.TotalSeconds:F0} s of warm-up; (c) (after a warm-up round) {options.BatchTwins} twins × " +
            $"{options.BatchRequestsPerTwin} requests of 1,000 readings, {options.Concurrency} in flight");
        Say("");

        var raw = await RawChunkUpsertsAsync(ct);
        var single = await SingleReadingIngestAsync(http, ct);
        var batched = await BatchedIngestAsync(http, ct);

        Say("| phase | what | rate | p50 / p99 latency | errors | CPU ms per operation: storage / silo / gateway / this client |");
        Say("|---|---|---:|---:|---:|---|");
        Say($"| (a) | raw day-chunk upserts to the history table | {raw.Rate:N0} writes/s | {raw.P50:F1} / {raw.P99:F1} ms | {raw.Errors} | {raw.Cpu} |");
        Say($"| (b) | single-reading `POST …/observations`, 202 when durable | {single.Rate:N0} requests/s | {single.P50:F1} / {single.P99:F1} ms | {single.Errors} | {single.Cpu} |");
        Say($"| (c) | 1,000 readings per request into {options.BatchTwins} twins | {batched.Rate * 1000:N0} readings/s | {batched.P50:F1} / {batched.P99:F1} ms | {batched.Errors} | {batched.Cpu} (per request) |");
        Say("");
        Say($"**(b) / (a) = {single.Rate / raw.Rate:P0}** (target ≥ 70 %); **(c) = {batched.Rate * 1000:N0} readings/s** (target ≥ 50,000).");
        Say("");

        await IngestDuringModelCallsAsync(http, ct);
        if (options.MemoryTwins > 0) await MemoryAsync(http, ct);
        return _report.ToString();
    }

    private sealed record PhaseResult(double Rate, double P50, double P99, int Errors, string Cpu = "");

    /// <summary>CPU seconds used so far by storage, silo, gateway and this process (Linux /proc), to say where an operation's cost goes.</summary>
    private double[] CpuNow() =>
    [
        ProcessCpu(options.StoragePid), ProcessCpu(options.SiloPid), ProcessCpu(options.GatewayPid),
        Environment.ProcessId is var self ? ProcessCpu(self) : 0,
    ];

    private static double ProcessCpu(int? pid)
    {
        if (pid is not { } p || !File.Exists($"/proc/{p}/stat")) return double.NaN;
        var fields = File.ReadAllText($"/proc/{p}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0; // USER_HZ
    }

    private static string CpuPerOperation(double[] before, double[] after, double operations) =>
        string.Join(" / ", before.Zip(after, (b, a) => double.IsNaN(a) ? "–" : $"{(a - b) * 1000 / operations:F2}"));

    /// <summary>
    /// The same closed loop twice: a warm-up (the processes were just started: the JIT's tiered compilation would otherwise
    /// be measured), then the measured phase.
    /// </summary>
    private async Task<PhaseResult> WarmThenMeasureAsync(Func<int, long, Task<bool>> work, CancellationToken ct)
    {
        await ClosedLoopAsync(options.Concurrency, options.WarmUp, work, ct);
        return await ClosedLoopAsync(options.Concurrency, options.PhaseLength, work, ct);
    }

    /// <summary>Runs <paramref name="work"/> on each of <paramref name="workers"/> loops until the phase ends; counts successes and latencies.</summary>
    private async Task<PhaseResult> ClosedLoopAsync(int workers, TimeSpan length, Func<int, long, Task<bool>> work, CancellationToken ct)
    {
        var latencies = new List<double>[workers];
        var errors = 0;
        var ok = 0L;
        var cpuBefore = CpuNow();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            latencies[w] = [];
            for (long i = 0; clock.Elapsed < length && !ct.IsCancellationRequested; i++)
            {
                var started = Stopwatch.GetTimestamp();
                bool success;
                try { success = await work(w, i); }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Azure.RequestFailedException) { success = false; }
                if (success)
                {
                    latencies[w].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref ok);
                }
                else Interlocked.Increment(ref errors);
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new PhaseResult(ok / elapsed, Percentile(all, 0.5), Percentile(all, 0.99), errors, CpuPerOperation(cpuBefore, CpuNow(), Math.Max(1, ok)));
    }

    /// <summary>The q-quantile of ascending values (nearest rank); NaN when there are none. Shared by the CLI's benchmarks.</summary>
    internal static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    private async Task<PhaseResult> RawChunkUpsertsAsync(CancellationToken ct)
    {
        var ring = TwinKeyRing.Parse(await File.ReadAllTextAsync(secrets.KeyRingFile, ct));
        var store = new ObservationHistoryStore(new TableServiceClient(options.StorageConnectionString), ring);
        var patients = Enumerable.Range(0, options.Concurrency).Select(_ => Guid.NewGuid()).ToArray();
        var chunks = patients.Select(_ => DayChunk.Empty(ObservationType.RestingHr, DayChunk.DayOf(Start.ToUnixTimeMilliseconds()))).ToArray();
        await store.WriteAsync(Guid.NewGuid(), [(chunks[0], 0)], 1, ct); // creates the table outside the timing
        var sequence = 0L;
        var result = await WarmThenMeasureAsync(async (w, i) =>
        {
            // The chunk a twin writes for one more reading of the day: merged, re-encrypted, upserted.
            var previous = chunks[w].Count;
            chunks[w] = chunks[w].Merge([(Start.AddMinutes(i % 1440).ToUnixTimeMilliseconds(), 55 + i % 40)]);
            await store.WriteAsync(patients[w], [(chunks[w], previous)], Interlocked.Increment(ref sequence), ct);
            return true;
        }, ct);
        foreach (var p in patients) await store.DeletePatientAsync(p, ct);
        return result;
    }

    private async Task<PhaseResult> SingleReadingIngestAsync(HttpClient http, CancellationToken ct)
    {
        var patients = await CreatePatientsAsync(http, options.Concurrency, ct);
        var minute = new long[options.Concurrency];
        return await WarmThenMeasureAsync(async (w, _) =>
        {
            var m = minute[w]++;
            using var response = await http.PostAsJsonAsync($"api/patients/{patients[w]}/observations",
                new { observations = new[] { Reading(Start.AddMinutes(m), 55 + m % 40) } }, ct);
            return response.StatusCode == HttpStatusCode.Accepted;
        }, ct);
    }

    private async Task<PhaseResult> BatchedIngestAsync(HttpClient http, CancellationToken ct)
    {
        var patients = await CreatePatientsAsync(http, options.BatchTwins, ct);
        await Parallel.ForEachAsync(patients, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct }, async (p, c) =>
        {
            using var warm = await http.PostAsJsonAsync($"api/patients/{p}/observations", new { observations = new[] { Reading(Start.AddMinutes(-1), 60) } }, c);
        });
        var requests = new Queue<(Guid Patient, int Block)>(
            Enumerable.Range(0, options.BatchRequestsPerTwin).SelectMany(b => patients.Select(p => (p, b))));
        var gate = new Lock();
        var latencies = new List<double>();
        var errors = 0;
        var cpuBefore = CpuNow();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            while (true)
            {
                (Guid Patient, int Block) next;
                lock (gate) { if (!requests.TryDequeue(out next)) return; }
                var body = new { observations = Enumerable.Range(next.Block * 1000, 1000).Select(m => Reading(Start.AddMinutes(m), 55 + m % 40)).ToArray() };
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsJsonAsync($"api/patients/{next.Patient}/observations", body, ct);
                lock (gate)
                {
                    if (response.StatusCode == HttpStatusCode.Accepted) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    else errors++;
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        return new PhaseResult(sorted.Length / seconds, Percentile(sorted, 0.5), Percentile(sorted, 0.99), errors, CpuPerOperation(cpuBefore, CpuNow(), Math.Max(1, sorted.Length)));
    }

    /// <summary>
    /// (e) One patient with a year of daily data; a writer ingests one reading a second for 20 s, first alone, then while 100
    /// callers keep a correlation analysis (365 days, lags 0–7, Spearman) in flight on the same patient all the time.
    /// </summary>
    private async Task IngestDuringModelCallsAsync(HttpClient http, CancellationToken ct)
    {
        var patient = (await CreatePatientsAsync(http, 1, ct))[0];
        var day0 = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-366);
        var rng = new Random(11);
        var year = Enumerable.Range(0, 365).SelectMany(d => new object[]
        {
            new { time = day0.AddDays(d).AddHours(7).ToString("O", CultureInfo.InvariantCulture), type = "sleep_hours", value = Math.Round(6 + 2 * rng.NextDouble(), 2) },
            new { time = day0.AddDays(d).AddHours(8).ToString("O", CultureInfo.InvariantCulture), type = "resting_hr", value = Math.Round(60 + 8 * rng.NextDouble(), 2) },
            new { time = day0.AddDays(d).AddHours(9).ToString("O", CultureInfo.InvariantCulture), type = "hrv_ms", value = Math.Round(40 + 20 * rng.NextDouble(), 2) },
            new { time = day0.AddDays(d).AddHours(20).ToString("O", CultureInfo.InvariantCulture), type = "mood", value = Math.Round(4 + 3 * rng.NextDouble(), 2) },
        }).ToArray();
        using (var seeded = await http.PostAsJsonAsync($"api/patients/{patient}/observations", new { observations = year }, ct)) seeded.EnsureSuccessStatusCode();

        async Task<List<double>> WriterAsync()
        {
            var latencies = new List<double>();
            for (var i = 0; i < 20; i++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsJsonAsync($"api/patients/{patient}/observations",
                    new { observations = new[] { Reading(day0.AddDays(365).AddMinutes(latencies.Count + 100 * _writerRuns), 60) } }, ct);
                if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"(e): ingest answered {(int)response.StatusCode}");
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                var rest = TimeSpan.FromSeconds(1) - Stopwatch.GetElapsedTime(started);
                if (rest > TimeSpan.Zero) await Task.Delay(rest, ct);
            }
            _writerRuns++;
            return latencies;
        }

        var alone = await WriterAsync();
        using var stop = new CancellationTokenSource();
        var analyses = 0;
        var refused = 0;
        var callers = Enumerable.Range(0, 100).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await http.GetAsync($"api/patients/{patient}/correlations?lookback_days=365&max_lag=7&method=spearman", CancellationToken.None);
                if (response.IsSuccessStatusCode) Interlocked.Increment(ref analyses);
                else Interlocked.Increment(ref refused);
            }
        }).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2), ct); // the callers are all in flight
        var busy = await WriterAsync();
        await stop.CancelAsync();
        await Task.WhenAll(callers);
        string Row(string name, List<double> l) => $"| {name} | {l.Count} | {l.Order().ElementAt(l.Count / 2):F0} ms | {l.Max():F0} ms |";
        Say("## Ingest while 100 model calls run on the same patient");
        Say("");
        Say("| writer (one reading a second) | ingests | median | slowest (p99 of 20 = max) |");
        Say("|---|---:|---:|---:|");
        Say(Row("alone", alone));
        Say(Row("with 100 correlation analyses in flight", busy));
        Say("");
        Say($"Analyses completed meanwhile: {analyses} ({refused} refused). Slowest ingest with the analyses running: **{busy.Max():F0} ms** (target: p99 ≤ 1 s).");
        Say("");
    }

    private int _writerRuns;

    /// <summary>
    /// (d) Many twins each receive a year: on every day an hour of minute-level readings (60), the last two days full days
    /// (1,440 each), posted in two halves; the silo's resident set is sampled after each tenth of the twins and at the end.
    /// </summary>
    private async Task MemoryAsync(HttpClient http, CancellationToken ct)
    {
        if (options.SiloPid is not { } pid) return;
        Say($"## Silo memory: {options.MemoryTwins:N0} twins × {options.MemoryDays} days");
        Say("");
        Say("| step | twins holding data | readings stored | silo RSS |");
        Say("|---|---:|---:|---:|");
        var patients = await CreatePatientsAsync(http, options.MemoryTwins, ct);
        var stored = 0L;
        Say($"| start (twins created) | 0 | 0 | {Rss(pid)} |");
        foreach (var half in new[] { 0, 1 })
        {
            var days = Enumerable.Range(0, options.MemoryDays).Where(d => d * 2 / options.MemoryDays == half).ToArray();
            var readings = days.SelectMany(d => Enumerable.Range(0, d >= options.MemoryDays - 2 ? 1440 : 60)
                .Select(m => Reading(Start.AddDays(d).AddMinutes(m), 55 + (d + m) % 40))).ToArray();
            var step = Math.Max(1, options.MemoryTwins / 10);
            for (var first = 0; first < patients.Count; first += step)
            {
                // Four twins at a time, a month of days per request: the phase measures memory, not peak ingest.
                await Parallel.ForEachAsync(patients.Skip(first).Take(step), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (p, c) =>
                {
                    foreach (var part in readings.Chunk(1800))
                    {
                        // As a device would: a 503 (overload, deadline) is retried after its Retry-After; anything else stops the run.
                        for (var attempt = 1; ; attempt++)
                        {
                            using var response = await http.PostAsJsonAsync($"api/patients/{p}/observations", new { observations = part }, c);
                            if (response.StatusCode == HttpStatusCode.Accepted) break;
                            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 10)
                                throw new InvalidOperationException($"memory phase: ingest answered {(int)response.StatusCode}");
                            Interlocked.Increment(ref _retried);
                            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(2), c);
                        }
                    }
                });
                var done = Math.Min(patients.Count, first + step);
                stored += (long)Math.Min(step, patients.Count - first) * readings.Length;
                if (half == 1 || done == patients.Count || done % (step * 5) == 0)
                    Say($"| {(half == 0 ? "first" : "second")} half of the year | {done:N0} | {stored:N0} | {Rss(pid)} |");
            }
        }
        Say("");
        Say($"Requests answered 503 and retried: {_retried}.");
        Say("");
    }

    private int _retried;

    private static string Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kb = line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return $"{kb / 1024.0:N0} MiB";
    }

    private static object Reading(DateTimeOffset time, double value) => new { time = time.ToString("O", CultureInfo.InvariantCulture), type = "resting_hr", value };

    private static async Task<IReadOnlyList<Guid>> CreatePatientsAsync(HttpClient http, int count, CancellationToken ct)
    {
        var ids = new Guid[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, c) =>
        {
            using var created = await http.PostAsync("api/patients", null, c);
            created.EnsureSuccessStatusCode();
            ids[i] = (await created.Content.ReadFromJsonAsync<JsonElement>(c)).GetProperty("id").GetGuid();
        });
        return ids;
    }

    private static string MachineName() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";

    private string StorageName() => options.StorageConnectionString.Contains("UseDevelopmentStorage", StringComparison.Ordinal) ? "Azurite (local)" : "Azure Storage";
}
